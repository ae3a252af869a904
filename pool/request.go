package pool

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// request is one unit of work for a connection's owner: a statement, a
// transaction (BEGIN, its statements and COMMIT, written back to back), a
// ping, or a function to run on the pgx connection. Its future is
// completed once, by the owner or, when its context ends first, by the
// cancellation.
type request struct {
	Ctx   context.Context
	Stmts []Statement // in order; for a transaction without BEGIN and COMMIT
	Begin string      // a transaction's BEGIN; "" for anything else
	Ping  bool
	raw   func(*pgx.Conn) error // run on the owner's goroutine, alone on the connection
	// sqlConn: WithConn's function, run in place of raw on a connection of
	// another driver, which the owner holds as a *sql.Conn.
	sqlConn func(*sql.Conn) error

	// Alone: nothing else may be in flight on the connection with it
	// (transaction control on a shared connection, the simple protocol).
	Alone bool
	// fast: every statement is known to finish quickly, so others may be
	// pipelined behind it.
	fast bool
	// Shared: it came through the pool, not a pinned Conn, so it must
	// leave the connection outside any transaction.
	Shared bool

	// attempts counts the connections this request was given to that
	// broke before writing it.
	attempts   int
	idleDeaths int // connections it was given that had died while idle
	written    bool
	Held       bool // waits for Prepares written for it; the owner goroutine writes it, moveFromLate reads it under d.mu while r is queued
	// Described: it waited for Prepares, so the descriptions of its
	// statements are fresh; again: the error of its statement that the
	// pipeline may run a second time (see runAgain). The owner goroutine's,
	// but for assign, which clears both flags under d.mu.
	Described bool
	again     error

	// finish delivers the outcome to the future; it reports false when
	// the future was already resolved (by cancellation).
	finish   func(curs []*Cursor, err error) bool
	settled  atomic.Bool
	Cancelled   atomic.Bool // the caller's context ended
	stopWait func() bool // stops the context.AfterFunc watching ctx

	direct bool // run by pgx itself, not pipelined (simple protocol, exec mode)

	// A transaction's options for database/sql (FromDB), and whether the
	// cursors of BEGIN and COMMIT are to be dropped from curs: set where
	// they are run as statements of their own, by the pipeline and by
	// pgx (not by database/sql, which returns no results for them).
	txOptions  *sql.TxOptions
	noRollback bool
	TrimTx     bool

	// Guarded by the dispatcher's mutex.
	owner    *owner // the owner it was given to
	finished bool   // its results are read, or its connection is gone
	counted  bool   // counted in its owner's cancelled requests

	waitTimer *time.Timer // fails it after AcquireTimeout while it waits in line

	// WALAfter: the pipeline reads the WAL position after the request's
	// statements (see ReadYourWrites) into wal, which stays 0 when it
	// could not (a request pgx runs itself, or one alone on its
	// connection: see positionAfter).
	WALAfter bool
	WAL      LSN
	// Ended: the Sync after its statements was read; only the WAL
	// position is still in flight, so a break now loses no outcome.
	Ended bool

	curs    []*Cursor
	one     [1]*Cursor // curs' storage for a single statement
	stmt    [1]Statement
	Err     error     // the first statement error, set by the owner
	Started time.Time // when it was written

	// Where its time went (latency.go). Queued: when it was given to the
	// pool or its Conn, set under d.mu; lat: the pool's histograms, set
	// under d.mu for a request given to the pool, which counts in
	// Stats.Statements; observed: its time is in them (d.mu).
	Queued   time.Time
	lat      *latencies
	observed bool
	// The owner goroutine's: when the server began on its first statement
	// (the results ahead of it were read) and when its last result was
	// read.
	ServerFrom, ReadAt time.Time
}

// SQLAt is the i-th statement to write, BEGIN and COMMIT included.
func (r *request) SQLAt(i int) string {
	if r.Begin == "" {
		return r.Stmts[i].SQL
	}
	switch i {
	case 0:
		return r.Begin
	case len(r.Stmts) + 1:
		return "COMMIT"
	}
	return r.Stmts[i-1].SQL
}

// Uses reports whether sql is one of r's statements.
func (r *request) Uses(sql string) bool {
	for i := range r.Count() {
		if r.SQLAt(i) == sql {
			return true
		}
	}
	return false
}

// ArgsAt are the arguments of the i-th statement to write.
func (r *request) ArgsAt(i int) []any {
	if r.Begin == "" {
		return r.Stmts[i].Args
	}
	if i == 0 || i > len(r.Stmts) {
		return nil
	}
	return r.Stmts[i-1].Args
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
	if r.TrimTx && len(r.curs) >= 2 {
		r.curs = r.curs[1 : len(r.curs)-1]
	}
	r.finish(r.curs, nil)
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

// PositionAfter reports whether the pipeline reads the WAL position
// right behind r: not behind a COPY, which would take it for copy data,
// nor behind transaction control; those read it on their own.
func (r *request) PositionAfter() bool { return r.WALAfter && !r.Alone }

// Count is how many results the request reads: its statements,
// plus BEGIN and COMMIT for a transaction.
func (r *request) Count() int {
	if r.Begin != "" {
		return len(r.Stmts) + 2
	}
	return len(r.Stmts)
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
