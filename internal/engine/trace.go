package engine

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The pgx tracer set on the connection's ConnConfig sees the statements the
// engine writes as it sees those pgx runs itself: TraceQueryStart as a
// statement is written, with its caller's context, SQL and arguments;
// TraceQueryEnd as its result has been read, with its command tag or its
// error. Prepares go to a pgx.PrepareTracer. Without a tracer nothing of
// this runs.

// errSkipped ends the trace of a statement the server skipped: an earlier
// statement of its transaction failed.
var errSkipped = errors.New("momoko: not run: an earlier statement of its transaction failed")

// tracers is the ConnConfig's Tracer, by the interfaces it implements.
type tracers struct {
	query   pgx.QueryTracer
	prepare pgx.PrepareTracer
}

func tracersOf(t pgx.QueryTracer) tracers {
	if t == nil {
		return tracers{}
	}
	prepare, _ := t.(pgx.PrepareTracer)
	return tracers{query: t, prepare: prepare}
}

// Times is where a pipelined statement's time went: Queued, from its
// call until it was written; Behind, until the results ahead of it were
// read; Server, until its own result was.
type Times struct {
	Queued, Behind, Server time.Duration
}

// traceStart tells the tracer that the i-th statement of b is being
// written; nil without a tracer.
func (w *Engine) traceStart(b *Batch, i int) context.Context {
	if w.tracers.query == nil {
		return nil
	}
	return w.tracers.query.TraceQueryStart(b.Ctx, w.conn, pgx.TraceQueryStartData{SQL: b.sqlAt(i), Args: b.argsAt(i)})
}

// tracePrepareStart tells a PrepareTracer that sql is being prepared as
// name, for b; nil without one.
func (w *Engine) tracePrepareStart(b *Batch, name, sql string) context.Context {
	if w.tracers.prepare == nil {
		return nil
	}
	return w.tracers.prepare.TracePrepareStart(b.Ctx, w.conn, pgx.TracePrepareStartData{Name: name, SQL: sql})
}

// traceRead ends the trace of a statement whose result was read (or
// whose connection broke as it was read): the server began on it at start
// and its result was in at now.
func (w *Engine) traceRead(e *expect, start, now time.Time, tag string, err error) {
	if w.cfg.QueryTimes != nil {
		b := e.b
		times := Times{Behind: start.Sub(b.Started), Server: now.Sub(start)}
		if !b.Queued.IsZero() {
			times.Queued = b.Started.Sub(b.Queued)
		}
		w.cfg.QueryTimes(e.trace, w.conn, times)
	}
	w.traceEnd(e, tag, err)
}

// traceEnd ends e's trace, if it has one, with its outcome: a broken
// connection as the statement's caller sees it.
func (w *Engine) traceEnd(e *expect, tag string, err error) {
	if e.trace == nil {
		return
	}
	var broken *BrokenError
	if err != nil && errors.As(err, &broken) {
		err = w.cfg.Lost(broken.Err)
	}
	switch e.kind {
	case expectStatement:
		w.tracers.query.TraceQueryEnd(e.trace, w.conn, pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag(tag), Err: err})
	case expectPrepare:
		w.tracers.prepare.TracePrepareEnd(e.trace, w.conn, pgx.TracePrepareEndData{Err: err})
	}
}

// endTraces ends the traces of what is in flight on a connection that
// broke: with lost what may have reached the server, with unsent what
// never left the client (it goes to another connection).
func (w *Engine) endTraces(lost, unsent error) {
	if w.tracers.query == nil {
		return
	}
	for i := w.head; i < len(w.sent); i++ {
		err := lost
		if i >= w.flushed {
			err = unsent
		}
		w.traceEnd(&w.sent[i], "", err)
	}
}
