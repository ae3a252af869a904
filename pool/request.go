package pool

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/engine"
)

// request is one unit of work for a connection's owner: a batch for its
// engine (a statement, a transaction, a ping), or a function to run on
// the pgx connection. Its future is completed once, by the owner or, when
// its context ends first, by the cancellation.
type request struct {
	// The work as the connection's engine writes it, and its outcome.
	engine.Batch

	raw func(*pgx.Conn) error // run on the owner's goroutine, alone on the connection
	// sqlConn: WithConn's function, run in place of raw on a connection of
	// another driver, which the owner holds as a *sql.Conn.
	sqlConn func(*sql.Conn) error
	direct  bool // run by pgx itself, not pipelined (simple protocol, exec mode)

	// fast: every statement is known to finish quickly, so others may be
	// pipelined behind it.
	fast bool

	// attempts counts the connections this request was given to that
	// broke before writing it.
	attempts   int
	idleDeaths int // connections it was given that had died while idle
	written    bool

	// finish delivers the outcome to the future; it reports false when
	// the future was already resolved (by cancellation).
	finish   func(curs []*Cursor, err error) bool
	settled  atomic.Bool
	stopWait func() bool // stops the context.AfterFunc watching ctx

	// A transaction's options for database/sql (FromDB), and whether it
	// is left for the caller to roll back.
	txOptions  *sql.TxOptions
	noRollback bool

	// Guarded by the dispatcher's mutex.
	owner    *owner // the owner it was given to
	finished bool   // its results are read, or its connection is gone
	counted  bool   // counted in its owner's cancelled requests

	waitTimer *time.Timer // fails it after AcquireTimeout while it waits in line

	// curs: its cursors, made from the engine's results when it is done,
	// or by a path that reads them itself (another driver's, CallProc's).
	curs []*Cursor
	one  [1]*Cursor // curs' storage for a single statement
	stmt [1]engine.Statement

	// Where its time went (latency.go). Batch.Queued is set under d.mu;
	// lat: the pool's histograms, set under d.mu for a request given to
	// the pool, which counts in Stats.Statements; observed: its time is in
	// them (d.mu).
	lat      *latencies
	observed bool
}

// done resolves the request's future once and stops watching its context.
func (r *request) done(err error) {
	if r.stopWait != nil {
		r.stopWait()
	}
	if !r.settled.CompareAndSwap(false, true) {
		return
	}
	r.observe()
	if err != nil {
		r.finish(nil, err)
		return
	}
	if len(r.curs) == 0 && len(r.Results) > 0 {
		r.curs = cursorsOf(r.Results, r.TrimTx, r.one[:0])
	}
	r.finish(r.curs, nil)
}

// cursorsOf presents results as cursors, appended to curs; trim drops
// those of a transaction's BEGIN and COMMIT.
func cursorsOf(results []*engine.Result, trim bool, curs []*Cursor) []*Cursor {
	if trim && len(results) >= 2 {
		results = results[1 : len(results)-1]
	}
	if len(results) > cap(curs) {
		curs = make([]*Cursor, 0, len(results))
	}
	for i := range results {
		curs = append(curs, &Cursor{res: results[i]})
	}
	return curs
}

// ready reports whether r may go to a connection; a request that cannot
// run (its statements could not be prepared, its context has ended) is
// resolved here.
func (r *request) ready() bool {
	if r.Ctx == nil {
		r.Ctx = context.Background()
	}
	if r.Err != nil {
		r.done(r.Err)
		return false
	}
	if err := r.Ctx.Err(); err != nil {
		r.done(err)
		return false
	}
	return true
}

// watch resolves the request with its context's error as soon as the
// context ends, and tells d to be able to stop its statement. By the time
// its caller sees it resolved it is out of line and its time is in
// Stats.Latency.
func (r *request) watch(d *dispatcher) {
	if r.Ctx.Done() == nil {
		return
	}
	r.stopWait = context.AfterFunc(r.Ctx, func() {
		r.Cancelled.Store(true)
		resolved := r.settled.CompareAndSwap(false, true)
		d.mu.Lock()
		if resolved {
			r.observeCancelled()
		}
		d.onCancel(r)
		d.mu.Unlock()
		if resolved {
			r.finish(nil, r.Ctx.Err())
		}
	})
}

// oneCursor resolves a future of one statement's cursor.
func oneCursor(complete func(*Cursor, error) bool) func([]*Cursor, error) bool {
	return func(curs []*Cursor, err error) bool {
		if err != nil {
			return complete(nil, err)
		}
		return complete(curs[0], nil)
	}
}
