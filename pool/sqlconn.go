package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"slices"
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
			if r.cancel.Load() {
				o.settle(r, r.ctx.Err(), false)
				continue
			}
			err := runSQL(sc, r)
			if errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
				if r.sqlConn != nil {
					// The caller's function may have done anything before
					// the connection went bad: it is not run again.
					r.err = err
					o.finish(r, 'I', false)
					return err
				}
				// database/sql's contract: the driver sent nothing. It
				// goes to another connection.
				o.pending = append([]*request{r}, o.pending...)
				return err
			}
			r.err = err
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
	case r.ping:
		return sc.PingContext(r.ctx)
	case r.begin != "":
		return runSQLTransaction(sc, r)
	}
	cur, err := querySQL(r.ctx, sc, r.stmts[0])
	if err != nil {
		return err
	}
	r.curs = append(r.curs, cur)
	return nil
}

// runSQLTransaction runs a Transaction through database/sql's own
// transaction calls, so that sqlmock's ExpectBegin and ExpectCommit match.
func runSQLTransaction(sc *sql.Conn, r *request) error {
	tx, err := sc.BeginTx(r.ctx, r.txOptions)
	if err != nil {
		return err
	}
	for _, st := range r.stmts {
		cur, err := querySQL(r.ctx, tx, st)
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

type sqlQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func querySQL(ctx context.Context, q sqlQueryer, st Statement) (cur *Cursor, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("momoko: the Value method of an argument panicked: %v", v)
		}
	}()
	rows, err := q.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	cur = &Cursor{}
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
		c.rows++
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
