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
	g      *stallGuard
	// inTx: the statement runs inside the caller's transaction, which a
	// cancelled statement would abort.
	inTx bool
	// primed: the first Next was made before the rows were handed over,
	// and has is what it returned.
	primed, has bool
	ended       bool          // Next returned false: pgx closed the rows
	closed      bool          // done is closed: the connection is back
	done        chan struct{} // closed once the caller is done with the rows
	closeErr    error         // the statement's error, for its connection's owner
	onDone      func()        // called as the caller is done with the rows
	// err is Err's: the statement's error, made while the connection was
	// still the rows' (it is another caller's once they are done with),
	// or that of a Scan or Values that failed, which closed the rows.
	err error

	// Scan's plans, per column, for the type last scanned into.
	plans []scanPlan
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
		r.g.begin()
		next = r.inner.Next()
		r.g.end()
	}
	if !next {
		r.ended = true
		r.release()
	}
	return next
}

// Scan reads the current row's values into dest, as pgx's Scan. When it
// fails, the rows are closed as by Close, and Err reports the failure.
//
// pgx's own Scan would close its rows on failure by reading the rest of
// the result, which may be endless; the scan is done here instead, as
// pgx does it.
func (r *Rows) Scan(dest ...any) error {
	err := r.scan(dest)
	if err != nil {
		r.fail(err)
	}
	return err
}

func (r *Rows) scan(dest []any) error {
	if len(dest) == 1 {
		if rs, ok := dest[0].(pgx.RowScanner); ok {
			return rs.ScanRow(r)
		}
	}
	fields := r.fields
	values := r.inner.RawValues()
	if len(fields) != len(values) {
		return fmt.Errorf("number of field descriptions must equal number of values, got %d and %d", len(fields), len(values))
	}
	if len(fields) != len(dest) {
		return fmt.Errorf("number of field descriptions must equal number of destinations, got %d and %d", len(fields), len(dest))
	}
	if r.plans == nil {
		r.plans = make([]scanPlan, len(fields))
	}
	m := r.inner.TypeMap()
	for i, d := range dest {
		if d == nil {
			continue
		}
		if err := r.plans[i].scan(m, &fields[i], values[i], d); err != nil {
			return pgx.ScanArgError{ColumnIndex: i, FieldName: fields[i].Name, Err: err}
		}
	}
	return nil
}

// Values are the current row's values, decoded as pgx decodes them. When
// one does not decode, the rows are closed as by Close, and Err reports
// the failure.
func (r *Rows) Values() ([]any, error) {
	if r.closed {
		return nil, errors.New("rows is closed")
	}
	raw := r.inner.RawValues()
	m := r.inner.TypeMap()
	values := make([]any, len(r.fields))
	for i := range r.fields {
		v, err := decodeValue(m, &r.fields[i], raw[i])
		if err != nil {
			r.fail(err)
			return nil, err
		}
		values[i] = v
	}
	return values, nil
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
// driver.ErrConnectionLost if its connection broke; or the error of a
// Scan or Values that failed. Closing the rows early is no error.
func (r *Rows) Err() error { return r.err }

// Close ends the rows and gives their connection back. Rows not read to
// their end are cancelled on the server (a CancelRequest), so that the
// connection is free at once rather than after the rest of the result;
// inside a transaction of the caller's (on a Conn), where a cancelled
// statement would abort the transaction, the rest is read and dropped
// instead, as pgx does. Close may be called more than once.
func (r *Rows) Close() {
	if r.closed {
		return
	}
	r.stop()
	r.release()
}

// fail closes the rows after a Scan or Values failed with err.
func (r *Rows) fail(err error) {
	if r.closed {
		return
	}
	r.err = err
	r.stop()
	r.release()
}

// bufferedRowsRead bounds the rows endsInBuffer reads.
const bufferedRowsRead = 1024

// endsInBuffer reads on while what the server sent waits in the client's
// buffer, and reports whether the rows ended there: a result sent whole
// (pgx.CollectOneRow closes its rows after the first) needs no
// CancelRequest, which costs a connection to the server.
func (r *Rows) endsInBuffer() bool {
	if r.primed && !r.has {
		return true // the pool's first Next found the end
	}
	r.g.begin()
	defer r.g.end()
	for range bufferedRowsRead {
		if r.pg.Frontend().ReadBufferLen() == 0 {
			return false
		}
		if !r.inner.Next() {
			return true
		}
	}
	return false
}

// stop ends the statement of rows not read to their end: cancelled, then
// what the server still sends read and dropped.
func (r *Rows) stop() {
	if !r.ended && !r.inTx {
		// Armed first: a read of endsInBuffer that waits (a message only
		// half in the buffer, a partition) is seen through by the guard.
		r.g.cancelled()
		if !r.endsInBuffer() {
			ctx, cancel := context.WithTimeout(context.Background(), streamCancelTimeout)
			r.pg.CancelRequest(ctx)
			cancel()
		}
	}
	r.g.begin()
	r.inner.Close()
	r.g.end()
}

// streamCancelTimeout bounds the CancelRequest of rows closed early.
const streamCancelTimeout = 2 * time.Second

// release gives the connection back to its owner, which waits for it.
func (r *Rows) release() {
	if r.closed {
		return
	}
	r.closed = true
	if r.onDone != nil {
		r.onDone()
	}
	if r.ended {
		r.closeErr = r.inner.Err()
		if r.closeErr != nil && r.err == nil {
			r.err = streamError(r.ctx, r.inner.Conn(), r.closeErr)
		}
	}
	close(r.done)
}
