package engine

import (
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/replica"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// BrokenError wraps the error of a connection that broke: what was in
// flight on it may have run.
type BrokenError struct{ Err error }

func (e *BrokenError) Error() string { return e.Err.Error() }
func (e *BrokenError) Unwrap() error { return e.Err }

// ReadNext reads results until a batch is complete and returns it with its
// results or its error set, or until nothing is in flight (nil). A
// *BrokenError means the connection is gone, with the batches in flight.
// Everything in flight must have been flushed: the server answers nothing
// else, so reading on would wait for good. A member of a read group is
// held until its group's Sync; once it has been read ReadNext returns nil,
// so that its caller may write what came meanwhile, and after the Sync it
// returns the members one by one (a Skipped one is to be written again).
func (w *Engine) ReadNext() (*Batch, error) {
	if w.HandingBack() {
		return w.nextReady(), nil
	}
	if w.lastRead.IsZero() {
		w.lastRead = time.Now()
	}
	for w.head < len(w.sent) {
		// Cleared as it is taken: it holds its batch, and through it the
		// caller's results, which the engine must not keep alive.
		entry := w.sent[w.head]
		w.sent[w.head] = expect{}
		e := &entry
		w.head++
		if w.skipping && e.kind != expectSync {
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
		case expectGuard:
			err = w.readGuard(e.g)
		case expectStatement:
			err = w.readStatement(e)
			if g := e.g; g != nil {
				if err == nil {
					return nil, nil // held until the group's Sync
				}
				if g.failed == nil && errors.As(err, new(*pgconn.PgError)) {
					g.failed = e.b
				}
			}
		case expectSync:
			w.skipping = false
			if e.timed {
				if err := w.readRoundTrip(); err != nil {
					return nil, err
				}
				continue
			}
			if e.g != nil {
				if err := w.readGroupEnd(e.g); err != nil {
					return nil, err
				}
				if w.HandingBack() {
					return w.nextReady(), nil
				}
				continue
			}
			if err := w.receive(readyForQuery); err != nil {
				return nil, err
			}
			if e.b != nil && e.b.again != nil {
				again, err := w.runAgain(e.b)
				if err != nil {
					return nil, err
				}
				if again {
					continue // e is overwritten: b's statement is in flight again
				}
			}
			if e.last && e.b.Begin != "" && w.pg.TxStatus() != 'I' {
				if err := w.rollback(); err != nil {
					return nil, err
				}
				e.b.ReadAt = time.Now()
			}
			if e.last {
				return e.b, nil
			}
			if e.b != nil {
				e.b.Ended = true
			}
			continue
		}
		if err == nil {
			continue // no error value to look into: errors.As would allocate
		}
		var broken *BrokenError
		if errors.As(err, &broken) {
			return nil, err
		}
		// An error of the engine's own (a result too large, a COPY
		// refused) skips nothing on the server.
		var pgErr *pgconn.PgError
		w.skipping = errors.As(err, &pgErr)
	}
	return nil, nil // only Prepares were in flight
}

// nextReady hands back the first member of an ended read group.
func (w *Engine) nextReady() *Batch {
	b := w.ready[w.readyAt]
	w.ready[w.readyAt] = nil
	w.readyAt++
	if w.readyAt == len(w.ready) {
		w.ready, w.readyAt = w.ready[:0], 0
	}
	return b
}

// rollback ends a transaction whose statement failed: the server skipped
// the rest of it, COMMIT included, up to its Sync. Nothing else is in
// flight behind a transaction.
func (w *Engine) rollback() error {
	w.fe.SendQuery(&pgproto3.Query{String: "ROLLBACK"})
	if err := w.fe.Flush(); err != nil {
		return &BrokenError{err}
	}
	err := w.receive(readyForQuery)
	if _, ok := err.(*pgconn.PgError); ok {
		// ROLLBACK cannot fail in a transaction block; whatever did, the
		// connection is not to be trusted.
		return &BrokenError{err}
	}
	return err
}

// readPrepare reads a Prepare's ParseComplete, ParameterDescription and
// RowDescription (or NoData).
func (w *Engine) readPrepare(e *expect) error {
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

// readStatement reads one statement's result into a result of its
// batch, and its error into the batch.
func (w *Engine) readStatement(e *expect) error {
	b := e.b
	var res *Result
	if e.position {
		res = new(Result)
	} else {
		res = b.newResult()
	}
	if !e.describe {
		res.setFields(e.prep.Fields, w.cfg.Types.cover(w.types, e.prep.Fields))
	}
	if p := e.prep; p != nil && p.LastValues > InlineValues {
		res.buf = make([]byte, 0, min(p.LastBytes, presizeBytes))
		res.spans = make([]valueSpan, 0, min(p.LastValues, presizeValues))
	}
	err := w.readRows(res)
	if p := e.prep; p != nil {
		p.LastBytes, p.LastValues = len(res.buf), len(res.spans)
	}
	// The server began on it once it had answered what was ahead of it.
	now, start := time.Now(), b.Started
	if w.lastRead.After(start) {
		start = w.lastRead
	}
	if e.prep != nil && w.cfg.ServerTime != nil {
		w.cfg.ServerTime(e.prep.SQL, max(now.Sub(w.serviceFrom(b)), 0))
	}
	w.lastRead = now
	if b.ServerFrom.IsZero() {
		b.ServerFrom = start
	}
	b.ReadAt = now
	if e.trace != nil {
		w.traceRead(e, start, now, res.Tag, err)
	}
	if e.position {
		if err == nil {
			b.WAL = positionOf(res)
		}
		if errors.As(err, new(*BrokenError)) {
			return err
		}
		return nil
	}
	if err == nil {
		if sqltext.DropsPrepared(res.Tag) {
			w.cache.Clear()
		}
		return nil
	}
	b.dropResult()
	var broken *BrokenError
	if errors.As(err, &broken) {
		return err
	}
	if e.prep != nil && errors.As(err, new(*pgconn.PgError)) {
		// Its description may be stale: it is prepared again when next
		// used, as pgx does after any error.
		w.drop(e.prep)
		if w.mayRunAgain(b, err) {
			b.again = err
			return err
		}
	}
	if b.Err == nil {
		b.Err = err
	}
	return err
}

// positionOf is the WAL position a one-row, one-column result of
// WALInsertPosition holds, in text; 0, which no position is, if it holds
// none.
func positionOf(res *Result) replica.LSN {
	if res.Rows != 1 || len(res.Fields) != 1 {
		return 0
	}
	v := res.Value(0, 0)
	if v == nil {
		return 0
	}
	lsn, _ := replica.ParseLSN(string(v))
	return lsn
}
