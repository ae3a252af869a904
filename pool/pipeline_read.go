package pool

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// errBroken wraps the error of a connection that broke: what was in
// flight on it may have run.
type errBroken struct{ err error }

func (e *errBroken) Error() string { return e.err.Error() }
func (e *errBroken) Unwrap() error { return e.err }

// readNext reads results until a request is complete and returns it with
// its cursors or its error set, or until nothing is in flight (nil). An
// *errBroken means the connection is gone, with the requests in flight.
// Everything in flight must have been flushed: the server answers nothing
// else, so reading on would wait for good.
func (w *pipeline) readNext() (*request, error) {
	if w.lastRead.IsZero() {
		w.lastRead = time.Now()
	}
	var failed bool // the server skips to the next Sync after its error
	for w.inFlight() {
		// Cleared as it is taken: it holds its request, and through it
		// the caller's cursors, which the pipeline must not keep alive.
		entry := w.sent[w.head]
		w.sent[w.head] = expect{}
		e := &entry
		w.head++
		if failed && e.kind != expectSync {
			w.traceEnd(e, "", errSkipped)
			continue
		}
		var err error
		switch e.kind {
		case expectPrepare:
			err = w.readPrepare(e)
		case expectDeallocate:
			err = w.receive(func(m pgproto3.BackendMessage) (bool, error) {
				_, ok := m.(*pgproto3.CloseComplete)
				return ok, nil
			})
		case expectStatement:
			err = w.readStatement(e)
		case expectSync:
			failed = false
			if err := w.receive(readyForQuery); err != nil {
				return nil, err
			}
			if e.req != nil && e.req.again != nil {
				again, err := w.runAgain(e.req)
				if err != nil {
					return nil, err
				}
				if again {
					continue // e is overwritten: r's statement is in flight again
				}
			}
			if e.last && e.req.Begin != "" && w.pg.TxStatus() != 'I' {
				if err := w.rollback(); err != nil {
					return nil, err
				}
				e.req.ReadAt = time.Now()
			}
			if e.last {
				return e.req, nil
			}
			if e.req != nil {
				e.req.Ended = true
			}
			continue
		}
		if err == nil {
			continue // no error value to look into: errors.As would allocate
		}
		var broken *errBroken
		if errors.As(err, &broken) {
			return nil, err
		}
		// An error of the pipeline's own (a result too large, a COPY
		// refused) skips nothing on the server.
		var pgErr *pgconn.PgError
		failed = errors.As(err, &pgErr)
	}
	return nil, nil // only Prepares were in flight
}

// rollback ends a transaction whose statement failed: the server skipped
// the rest of it, COMMIT included, up to its Sync. Nothing else is in
// flight behind a transaction.
func (w *pipeline) rollback() error {
	w.fe.SendQuery(&pgproto3.Query{String: "ROLLBACK"})
	if err := w.fe.Flush(); err != nil {
		return &errBroken{err}
	}
	err := w.receive(readyForQuery)
	if _, ok := err.(*pgconn.PgError); ok {
		// ROLLBACK cannot fail in a transaction block; whatever did, the
		// connection is not to be trusted.
		return &errBroken{err}
	}
	return err
}

func readyForQuery(m pgproto3.BackendMessage) (bool, error) {
	_, ok := m.(*pgproto3.ReadyForQuery)
	return ok, nil
}

// receive reads messages and hands each to handle until it reports done.
// An ErrorResponse ends it with the *pgconn.PgError; a read error with an
// *errBroken.
func (w *pipeline) receive(handle func(pgproto3.BackendMessage) (bool, error)) error {
	for {
		m, err := w.pg.ReceiveMessage(context.Background())
		if err != nil {
			return &errBroken{err}
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			return w.serverError(m)
		case *pgproto3.NoticeResponse, *pgproto3.NotificationResponse, *pgproto3.ParameterStatus:
			continue // pgconn has passed them to its handlers
		}
		done, err := handle(m)
		if err != nil || done {
			return err
		}
	}
}

// serverError is a statement's error, or an *errBroken when the error was
// FATAL and the server closed the session.
func (w *pipeline) serverError(m *pgproto3.ErrorResponse) error {
	pgErr := pgconn.ErrorResponseToPgError(m)
	if w.pg.IsClosed() {
		return &errBroken{pgErr}
	}
	return pgErr
}

// readPrepare reads a Prepare's ParseComplete, ParameterDescription and
// RowDescription (or NoData).
func (w *pipeline) readPrepare(e *expect) error {
	p := e.prep
	p.SD = &pgconn.StatementDescription{Name: p.Name, SQL: p.SQL}
	err := w.receive(func(m pgproto3.BackendMessage) (bool, error) {
		switch m := m.(type) {
		case *pgproto3.ParameterDescription:
			p.SD.ParamOIDs = slices.Clone(m.ParameterOIDs)
		case *pgproto3.RowDescription:
			p.SD.Fields = fieldsOf(m)
			return true, nil
		case *pgproto3.NoData:
			return true, nil
		}
		return false, nil
	})
	w.traceEnd(e, "", err)
	if err != nil {
		w.preparing[e.sql] = err
		return err
	}
	delete(w.preparing, e.sql)
	if sqltext.ShapeVaries(p.SQL) {
		// Its fields at prepare time say nothing of the next run's: every
		// run describes its own, in text.
		p.SD.Fields = nil
	}
	p.Formats = make([]int16, len(p.SD.Fields))
	p.Fields = slices.Clone(p.SD.Fields)
	for i := range p.Fields {
		p.Formats[i] = resultFormat(p.Fields[i].DataTypeOID)
		p.Fields[i].Format = p.Formats[i]
	}
	if evict := w.cache.Add(p); evict != nil {
		w.evicted = append(w.evicted, evict)
	}
	return nil
}

// readStatement reads one statement's result into a cursor of its
// request, and its error into the request.
func (w *pipeline) readStatement(e *expect) error {
	r := e.req
	cur := &Cursor{}
	if !e.describe {
		cur.setFields(e.prep.Fields, w.p.decode.cover(w.types, e.prep.Fields))
	}
	if p := e.prep; p != nil && p.LastValues > inlineValues {
		cur.buf = make([]byte, 0, min(p.LastBytes, presizeBytes))
		cur.spans = make([]span, 0, min(p.LastValues, presizeValues))
	}
	err := w.readRows(cur)
	if p := e.prep; p != nil {
		p.LastBytes, p.LastValues = len(cur.buf), len(cur.spans)
	}
	// The server began on it once it had answered what was ahead of it.
	now, start := time.Now(), r.Started
	if w.lastRead.After(start) {
		start = w.lastRead
	}
	if e.prep != nil {
		w.p.speeds.record(e.prep.SQL, now.Sub(start))
	}
	w.lastRead = now
	if r.ServerFrom.IsZero() {
		r.ServerFrom = start
	}
	r.ReadAt = now
	if e.trace != nil {
		w.traceRead(e, start, now, cur.tag, err)
	}
	if e.position {
		r.readPosition(cur, err)
		if errors.As(err, new(*errBroken)) {
			return err
		}
		return nil
	}
	if err == nil {
		if sqltext.DropsPrepared(cur.tag) {
			w.cache.Clear()
		}
		r.curs = append(r.curs, cur)
		return nil
	}
	var broken *errBroken
	if errors.As(err, &broken) {
		return err
	}
	if e.prep != nil && errors.As(err, new(*pgconn.PgError)) {
		// Its description may be stale: it is prepared again when next
		// used, as pgx does after any error.
		w.drop(e.prep)
		if w.mayRunAgain(r, err) {
			r.again = err
			return err
		}
	}
	if r.Err == nil {
		r.Err = err
	}
	return err
}

// txStatus is the connection's transaction status after the last
// result read: 'I' idle, 'T' in a transaction, 'E' in a failed one.
func (w *pipeline) txStatus() byte { return w.pg.TxStatus() }
