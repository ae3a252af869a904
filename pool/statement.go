package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// target is what a statement runs on: a connection held by the caller, or
// the pool's *sql.DB while the caller holds a slot.
type target interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// shared reports that the connection goes back to the pool after
	// each statement, so a statement must not leave a transaction open.
	shared() bool
	// inTransaction reports that the connection is inside a transaction.
	inTransaction() bool
}

// onConn runs statements on one connection.
type onConn struct{ *sql.Conn }

func (onConn) shared() bool          { return false }
func (t onConn) inTransaction() bool { return inTransaction(t.Conn) }

// onPool runs each statement on whichever connection database/sql has
// idle; the connection goes back when the rows are read or closed.
type onPool struct{ p *Pool }

func (t onPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.p.db.QueryContext(ctx, query, args...)
}

func (onPool) shared() bool        { return true }
func (onPool) inTransaction() bool { return false }

// runStatement runs one statement and buffers its result.
func runStatement(ctx context.Context, t target, query string, args []any) (*Cursor, error) {
	if err := checkValuers(args); err != nil {
		return nil, err
	}
	cur := &Cursor{}
	tag := &cur.outcome
	if t.shared() {
		tag.CloseInTransaction()
	}
	rows, err := t.QueryContext(driver.WithCommandTag(ctx, tag), query, args...)
	if err != nil {
		return nil, classifyBadConn(err)
	}
	err = cur.read(rows)
	if closeErr := rows.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	if tag.LeftInTransaction() {
		return nil, ErrTransactionLeftOpen
	}
	if tg, ok := tag.Tag(); ok {
		cur.tag, cur.known = tg.String(), true
	}
	return cur, nil
}

// read buffers every row of rows.
func (cur *Cursor) read(rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	n := len(cols)
	cur.columns = cols
	var ptrs []any
	if n <= inlineColumns {
		ptrs, cur.values = cur.ptrBuf[:n], cur.valBuf[:0:n]
	} else {
		ptrs, cur.values = make([]any, n), make([]any, 0, n)
	}
	for rows.Next() {
		base := len(cur.values)
		cur.values = slices.Grow(cur.values, n)[:base+n]
		for i := range ptrs {
			ptrs[i] = &cur.values[base+i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cur.rows++
	}
	clear(ptrs)
	return rows.Err()
}

// notSentError marks a statement that provably never reached the server:
// the pool may run it again on another connection.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// classifyBadConn marks driver.ErrBadConn, which the momoko driver returns
// only when nothing was sent (a statement lost in flight is
// driver.ErrConnectionLost), as safe to run again.
func classifyBadConn(err error) error {
	if !errors.Is(err, sqldriver.ErrBadConn) {
		return err
	}
	return &notSentError{err: err}
}

// exec runs a statement whose rows do not matter, such as BEGIN or COMMIT.
func exec(ctx context.Context, t target, query string) error {
	_, err := runStatement(ctx, t, query, nil)
	return err
}

// checkValuers calls the Value method of each argument that has one, where
// a panic can be recovered: inside database/sql it would leave the
// connection taken for good.
func checkValuers(args []any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("momoko: the Value method of an argument panicked: %v", r)
		}
	}()
	for _, a := range args {
		if named, ok := a.(pgx.NamedArgs); ok {
			for _, v := range named {
				callValue(v)
			}
			continue
		}
		callValue(a)
	}
	return nil
}

// callValue calls v.Value unless v is a nil pointer, which pgx sends as NULL
// without calling it.
func callValue(v any) {
	valuer, ok := v.(sqldriver.Valuer)
	if !ok {
		return
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return
	}
	valuer.Value()
}
