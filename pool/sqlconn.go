package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// serveSQL runs the owner's loop on a connection of another driver (a
// pool made by FromDB, sqlmock in tests): one request at a time through
// database/sql, with database/sql's conversions.
func (o *owner) serveSQL(sc *sql.Conn) error {
	o.probe = sc.PingContext
	o.handOver()
	for o.collect(false) {
		for len(o.pending) > 0 {
			r := o.pending[0]
			o.pending = o.pending[1:]
			if r.Cancelled.Load() {
				o.settle(r, r.Ctx.Err(), false)
				continue
			}
			err := runSQL(sc, r)
			if errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
				if r.sqlConn != nil {
					// The caller's function may have done anything before
					// the connection went bad: it is not run again.
					r.Err = err
					o.finish(r, 'I', false)
					return err
				}
				// database/sql's contract: the driver sent nothing of the
				// statement that failed, and a transaction's earlier
				// statements are rolled back with the connection. It goes to
				// another connection, without the cursors read here.
				r.curs = r.curs[:0]
				o.pending = append([]*request{r}, o.pending...)
				return err
			}
			r.Err = err
			o.finish(r, 'I', false)
		}
	}
	return nil
}

// runSQL runs one request on sc.
func runSQL(sc *sql.Conn, r *request) error {
	switch {
	case r.sqlConn != nil:
		return r.sqlConn(sc)
	case r.raw != nil:
		return ErrNeedsMomokoDriver
	case r.Ping:
		return sc.PingContext(r.Ctx)
	case r.Begin != "":
		return runSQLTransaction(sc, r)
	}
	cur, err := runStatement(r.Ctx, sc, r.Stmts[0])
	if err != nil {
		return err
	}
	r.curs = append(r.curs, cur)
	return nil
}

// runSQLTransaction runs a Transaction through database/sql's own
// transaction calls, so that sqlmock's ExpectBegin and ExpectCommit match.
func runSQLTransaction(sc *sql.Conn, r *request) error {
	tx, err := sc.BeginTx(r.Ctx, r.txOptions)
	if err != nil {
		return err
	}
	for _, st := range r.Stmts {
		cur, err := runStatement(r.Ctx, tx, st)
		if err != nil {
			if !r.noRollback {
				tx.Rollback()
			}
			return err
		}
		r.curs = append(r.curs, cur)
	}
	return tx.Commit()
}

// sqlRunner is a *sql.Conn or a *sql.Tx.
type sqlRunner interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// runStatement runs st with ExecContext when its text says it cannot
// return rows, so that sqlmock's ExpectExec matches it and the driver's
// count of rows affected reaches the cursor; with QueryContext otherwise,
// and whenever in doubt, which loses no rows.
func runStatement(ctx context.Context, q sqlRunner, st engine.Statement) (cur *Cursor, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("momoko: the Value method of an argument panicked: %v", v)
		}
	}()
	if sqltext.ReturnsNoRows(st.SQL) {
		return execSQL(ctx, q, st)
	}
	return querySQL(ctx, q, st)
}

// execSQL runs st with ExecContext. A driver reports a count, not a
// command tag, and a Cursor's RowsAffected reads its tag: the cursor gets
// the tag PostgreSQL would have sent for the statements whose tags carry
// a count; the others carry none (RowsAffected 0, as from PostgreSQL),
// nor does a statement whose driver tells no count.
func execSQL(ctx context.Context, q sqlRunner, st engine.Statement) (*Cursor, error) {
	res, err := q.ExecContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	cur := newCursor()
	if n, err := res.RowsAffected(); err == nil {
		if tag := countTag(st.SQL, n); tag != "" {
			cur.res.SetTag(tag)
		}
	}
	return cur, nil
}

// countTag is PostgreSQL's command tag for sql having affected n rows,
// "" for a statement whose tag carries no count.
func countTag(sql string, n int64) string {
	w := strings.ToUpper(sqltext.FirstWord(sql))
	switch w {
	case "INSERT":
		return "INSERT 0 " + strconv.FormatInt(n, 10)
	case "UPDATE", "DELETE", "MERGE", "MOVE":
		return w + " " + strconv.FormatInt(n, 10)
	}
	return ""
}

func querySQL(ctx context.Context, q sqlRunner, st engine.Statement) (*Cursor, error) {
	rows, err := q.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	cur := newCursor()
	err = cur.read(rows)
	if closeErr := rows.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// read buffers every row of rows as driver values.
func (c *Cursor) read(rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	n := len(cols)
	c.columns = cols
	c.values = make([]any, 0, n)
	ptrs := make([]any, n)
	for rows.Next() {
		base := len(c.values)
		c.values = slices.Grow(c.values, n)[:base+n]
		for i := range ptrs {
			ptrs[i] = &c.values[base+i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		c.res.Rows++
	}
	return rows.Err()
}

// valueRow is the current row of a cursor that holds another driver's
// values.
func (c *Cursor) valueRow() []any {
	w := len(c.columns)
	return c.values[c.next*w : (c.next+1)*w : (c.next+1)*w]
}

// assignRow scans a row of driver values into dest with database/sql's
// conversions.
func (c *Cursor) assignRow(dest []any) error {
	for i, v := range c.valueRow() {
		if err := assign(dest[i], v); err != nil {
			return fmt.Errorf("momoko: FetchOne: column %d (%s): %w", i, c.columns[i], err)
		}
	}
	return nil
}
