package pgfake

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// handle answers one message of the extended or simple protocol; false
// ends the session.
func (c *Conn) handle(m pgproto3.FrontendMessage) bool {
	switch m := m.(type) {
	case *pgproto3.Terminate:
		return false
	case *pgproto3.Sync:
		c.mu.Lock()
		err := c.syncErr
		c.syncErr = nil
		c.mu.Unlock()
		if err != nil && !c.failed && !c.sendError(err) {
			return false
		}
		c.failed = false
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
		return c.be.Flush() == nil
	case *pgproto3.Flush:
		return c.be.Flush() == nil
	case *pgproto3.Query:
		c.failed = false
		ok := c.simple(m.String)
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus})
		return ok && c.be.Flush() == nil
	}
	if c.failed {
		return true // the server skips to the next Sync after an error
	}
	switch m := m.(type) {
	case *pgproto3.Parse:
		if _, err := c.lookup(m.Query); err != nil {
			return c.sendError(err)
		}
		c.mu.Lock()
		c.prepared[m.Name] = m.Query
		c.mu.Unlock()
		c.be.Send(&pgproto3.ParseComplete{})
	case *pgproto3.Bind:
		return c.bind(m)
	case *pgproto3.Describe:
		return c.describe(m)
	case *pgproto3.Execute:
		return c.execute(c.portal)
	case *pgproto3.Close:
		c.mu.Lock()
		delete(c.prepared, m.Name)
		c.mu.Unlock()
		c.be.Send(&pgproto3.CloseComplete{})
	}
	return true
}

func (c *Conn) lookup(sql string) (Statement, error) {
	if c.s.Lookup == nil {
		return Statement{}, Fail("42601", "pgfake: no statements known")
	}
	return c.s.Lookup(sql)
}

func (c *Conn) bind(m *pgproto3.Bind) bool {
	c.mu.Lock()
	sql, ok := c.prepared[m.PreparedStatement]
	c.mu.Unlock()
	if !ok {
		return c.sendError(Fail("26000", fmt.Sprintf("prepared statement %q does not exist", m.PreparedStatement)))
	}
	st, err := c.lookup(sql)
	if err == nil && len(m.Parameters) != len(st.Params) && len(st.Params) > 0 {
		err = Fail("08P01", fmt.Sprintf("bind message supplies %d parameters, but prepared statement requires %d", len(m.Parameters), len(st.Params)))
	}
	if err == nil && st.Bind != nil {
		err = st.Bind(c)
	}
	if err != nil {
		return c.sendError(err)
	}
	c.portal = portal{sql: sql, stmt: st, args: m.Parameters}
	c.be.Send(&pgproto3.BindComplete{})
	return true
}

func (c *Conn) describe(m *pgproto3.Describe) bool {
	st := c.portal.stmt
	if m.ObjectType == 'S' {
		c.mu.Lock()
		sql, ok := c.prepared[m.Name]
		c.mu.Unlock()
		if !ok {
			return c.sendError(Fail("26000", fmt.Sprintf("prepared statement %q does not exist", m.Name)))
		}
		var err error
		if st, err = c.lookup(sql); err != nil {
			return c.sendError(err)
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: st.Params})
	}
	if len(st.Fields) == 0 {
		c.be.Send(&pgproto3.NoData{})
		return true
	}
	c.be.Send(&pgproto3.RowDescription{Fields: st.Fields})
	return true
}

// execute runs the portal: its rows and CommandComplete, or its error.
func (c *Conn) execute(p portal) bool {
	c.mu.Lock()
	c.received = append(c.received, p.sql)
	ctx, cancel := context.WithCancel(context.Background())
	c.runCancel = cancel
	c.mu.Unlock()
	defer cancel()
	if c.closed.Load() {
		return false
	}
	if c.txStatus == 'E' && !isTxEnd(firstWord(p.sql)) {
		return c.sendError(Fail("25P02", "current transaction is aborted, commands ignored until end of transaction block"))
	}
	rows, tag, err := [][][]byte(nil), "SELECT 0", error(nil)
	if p.stmt.Run != nil {
		rows, tag, err = p.stmt.Run(ctx, c, p.args)
	}
	if c.closed.Load() {
		return false
	}
	if ctx.Err() != nil && err == nil {
		err = Fail("57014", "canceling statement due to user request")
	}
	if err != nil {
		return c.sendError(err)
	}
	for _, row := range rows {
		c.be.Send(&pgproto3.DataRow{Values: row})
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	c.track(firstWord(p.sql))
	return true
}

// simple answers a simple-protocol Query: a comment-only query (pgconn's
// ping) is empty; anything else runs as one unnamed statement.
func (c *Conn) simple(sql string) bool {
	st, err := c.lookup(sql)
	if err != nil {
		if isEmpty(sql) {
			c.be.Send(&pgproto3.EmptyQueryResponse{})
			return true
		}
		return c.sendError(err)
	}
	if len(st.Fields) > 0 {
		c.be.Send(&pgproto3.RowDescription{Fields: st.Fields})
	}
	return c.execute(portal{sql: sql, stmt: st})
}

// track follows the transaction status through transaction control.
func (c *Conn) track(word string) {
	switch {
	case word == "BEGIN" || word == "START":
		c.txStatus = 'T'
	case isTxEnd(word):
		c.txStatus = 'I'
	}
}

func isTxEnd(word string) bool { return word == "COMMIT" || word == "ROLLBACK" || word == "END" }

// isEmpty reports whether sql holds nothing but whitespace and line
// comments.
func isEmpty(sql string) bool {
	for line := range strings.Lines(sql) {
		if w := strings.TrimSpace(line); w != "" && !strings.HasPrefix(w, "--") {
			return false
		}
	}
	return true
}
