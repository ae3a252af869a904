package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"slices"

	"github.com/momoko-go/momoko/driver"
)

// target is what a statement runs on: a connection held by the caller, or
// the pool's *sql.DB while the caller holds a slot.
type target interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// closeRows gives the rows' connection back.
	closeRows(*sql.Rows) error
}

// onConn runs statements on one connection.
type onConn struct{ *sql.Conn }

func (onConn) closeRows(rows *sql.Rows) error { return rows.Close() }

// onPool runs each statement on whichever connection database/sql has
// idle. The rows hand their connection back under releaseMu, as release
// does.
type onPool struct{ p *Pool }

func (t onPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.p.db.QueryContext(ctx, query, args...)
}

func (t onPool) closeRows(rows *sql.Rows) error {
	t.p.releaseMu.RLock()
	defer t.p.releaseMu.RUnlock()
	return rows.Close()
}

// runStatement runs one statement and buffers its result.
func runStatement(ctx context.Context, t target, query string, args []any) (*Cursor, error) {
	ctx, tag := driver.WithCommandTag(ctx)
	rows, err := t.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classifyBadConn(err, tag)
	}
	cur, err := readRows(rows)
	if closeErr := t.closeRows(rows); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	if tg, ok := tag.Tag(); ok {
		cur.tag, cur.known = tg.String(), true
	}
	return cur, nil
}

func readRows(rows *sql.Rows) (*Cursor, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	n := len(cols)
	cur := &Cursor{columns: cols, values: make([]any, 0, n)}
	ptrs := make([]any, n)
	for rows.Next() {
		base := len(cur.values)
		cur.values = slices.Grow(cur.values, n)[:base+n]
		for i := range ptrs {
			ptrs[i] = &cur.values[base+i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		cur.rows++
	}
	return cur, rows.Err()
}

// notSentError marks a statement that provably never reached the server:
// the pool may run it again on another connection.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// classifyBadConn tells apart the two meanings pgx's stdlib gives
// driver.ErrBadConn: nothing was sent (retry), or the connection broke with
// the statement in flight (it may have run: never retry).
func classifyBadConn(err error, tag *driver.CommandTag) error {
	switch {
	case !errors.Is(err, sqldriver.ErrBadConn):
		return err
	case tag.LostInFlight():
		return fmt.Errorf("%w: %w", driver.ErrConnectionLost, err)
	}
	return &notSentError{err: err}
}

// exec runs a statement whose rows do not matter, such as BEGIN or COMMIT.
func exec(ctx context.Context, t target, query string) error {
	_, err := runStatement(ctx, t, query, nil)
	return err
}
