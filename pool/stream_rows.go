package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Rows are a streaming result (Pool.Stream): pgx's rows, read from the
// connection as Next asks for them, and pgx.Rows themselves, so that
// pgx.CollectRows, pgx.ForEachRow and pgx.RowToStructByName work on them.
// Their connection is back in the pool once they are closed or read to
// their end. Like pgx's, they are not safe for concurrent use.
type Rows struct {
	ctx   context.Context
	inner pgx.Rows
	// fields: the inner rows' description, copied: pgx reuses its storage
	// for the connection's next statement, another caller's once the rows
	// are done with.
	fields []pgconn.FieldDescription
	pg     *pgconn.PgConn
	// primed: the first Next was made before the rows were handed over,
	// and has is what it returned.
	primed, has bool
	ended       bool          // Next returned false: pgx closed the rows
	closed      bool          // done is closed: the connection is back
	done        chan struct{} // closed once the caller is done with the rows
	closeErr    error         // the statement's error, for its connection's owner
	// err is Err's: the statement's error, made while the connection was
	// still the rows' (it is another caller's once they are done with).
	err error
}

var _ pgx.Rows = (*Rows)(nil)

// Next prepares the next row for Scan or Values; false at the end of the
// rows or on an error (Err tells). The rows are closed then.
func (r *Rows) Next() bool {
	if r.closed {
		return false
	}
	next := r.has
	if r.primed {
		r.primed = false
	} else {
		next = r.inner.Next()
	}
	if !next {
		r.ended = true
		r.release()
	}
	return next
}

// Scan reads the current row's values into dest, as pgx's Scan.
func (r *Rows) Scan(dest ...any) error {
	if r.closed {
		// pgx's rows would read their description from the connection.
		return fmt.Errorf("number of field descriptions must equal number of values, got %d and 0", len(r.fields))
	}
	return r.inner.Scan(dest...)
}

// Values are the current row's values, decoded as pgx decodes them.
func (r *Rows) Values() ([]any, error) {
	if r.closed {
		return nil, errors.New("rows is closed")
	}
	return r.inner.Values()
}

// RawValues are the current row's values as the server sent them; valid
// until the next call of Next.
func (r *Rows) RawValues() [][]byte { return r.inner.RawValues() }

// FieldDescriptions describe the result's columns.
func (r *Rows) FieldDescriptions() []pgconn.FieldDescription { return r.fields }

// CommandTag is the statement's command tag, once the rows are read to
// their end.
func (r *Rows) CommandTag() pgconn.CommandTag { return r.inner.CommandTag() }

// TypeMap is the map the rows' values decode with.
func (r *Rows) TypeMap() *pgtype.Map { return r.inner.TypeMap() }

// Conn is the connection the rows are read from; the pool's, not to be
// used by the caller.
func (r *Rows) Conn() *pgx.Conn { return r.inner.Conn() }

// Err is the statement's error, if it failed: the caller's context's
// error if the statement was cancelled because the context ended,
// driver.ErrConnectionLost if its connection broke. Closing the rows
// early is no error.
func (r *Rows) Err() error { return r.err }

// Close ends the rows and gives their connection back. Rows not read to
// their end are cancelled on the server (a CancelRequest), so that the
// connection is free at once rather than after the rest of the result.
// Close may be called more than once.
func (r *Rows) Close() {
	if r.closed {
		return
	}
	if !r.ended {
		ctx, cancel := context.WithTimeout(context.Background(), streamCancelTimeout)
		r.pg.CancelRequest(ctx)
		cancel()
	}
	r.inner.Close()
	r.release()
}

// streamCancelTimeout bounds the CancelRequest of rows closed early.
const streamCancelTimeout = 2 * time.Second

// release gives the connection back to its owner, which waits for it.
func (r *Rows) release() {
	if r.closed {
		return
	}
	r.closed = true
	if r.ended {
		r.closeErr = r.inner.Err()
		if r.closeErr != nil {
			r.err = streamError(r.ctx, r.inner.Conn(), r.closeErr)
		}
	}
	close(r.done)
}
