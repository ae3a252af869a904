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
	ctx   context.Context
	stmts []Statement // in order; for a transaction without BEGIN and COMMIT
	begin string      // a transaction's BEGIN; "" for anything else
	ping  bool
	raw   func(*pgx.Conn) error // run on the owner's goroutine, alone on the connection
	// sqlConn: WithConn's function, run in place of raw on a connection of
	// another driver, which the owner holds as a *sql.Conn.
	sqlConn func(*sql.Conn) error

	// alone: nothing else may be in flight on the connection with it
	// (transaction control on a shared connection, the simple protocol).
	alone bool
	// fast: every statement is known to finish quickly, so others may be
	// pipelined behind it.
	fast bool
	// shared: it came through the pool, not a pinned Conn, so it must
	// leave the connection outside any transaction.
	shared bool

	// attempts counts the connections this request was given to that
	// broke before writing it.
	attempts   int
	idleDeaths int // connections it was given that had died while idle
	written    bool
	held       bool // waits for Prepares written for it; the owner goroutine writes it, moveFromLate reads it under d.mu while r is queued
	// described: it waited for Prepares, so the descriptions of its
	// statements are fresh; again: the error of its statement that the
	// pipeline may run a second time (see runAgain). The owner goroutine's,
	// but for assign, which clears both flags under d.mu.
	described bool
	again     error

	// finish delivers the outcome to the future; it reports false when
	// the future was already resolved (by cancellation).
	finish   func(curs []*Cursor, err error) bool
	settled  atomic.Bool
	cancel   atomic.Bool // the caller's context ended
	stopWait func() bool // stops the context.AfterFunc watching ctx

	direct bool // run by pgx itself, not pipelined (simple protocol, exec mode)

	// A transaction's options for database/sql (FromDB), and whether the
	// cursors of BEGIN and COMMIT are to be dropped from curs: set where
	// they are run as statements of their own, by the pipeline and by
	// pgx (not by database/sql, which returns no results for them).
	txOptions  *sql.TxOptions
	noRollback bool
	trimTx     bool

	// Guarded by the dispatcher's mutex.
	owner    *owner // the owner it was given to
	finished bool   // its results are read, or its connection is gone
	counted  bool   // counted in its owner's cancelled requests

	waitTimer *time.Timer // fails it after AcquireTimeout while it waits in line

	// walAfter: the pipeline reads the WAL position after the request's
	// statements (see ReadYourWrites) into wal, which stays 0 when it
	// could not (a request pgx runs itself, or one alone on its
	// connection: see positionAfter).
	walAfter bool
	wal      LSN
	// ended: the Sync after its statements was read; only the WAL
	// position is still in flight, so a break now loses no outcome.
	ended bool

	curs    []*Cursor
	one     [1]*Cursor // curs' storage for a single statement
	stmt    [1]Statement
	err     error     // the first statement error, set by the owner
	started time.Time // when it was written

	// Where its time went (latency.go). queued: when it was given to the
	// pool or its Conn, set under d.mu; lat: the pool's histograms, set
	// under d.mu for a request given to the pool, which counts in
	// Stats.Statements; observed: its time is in them (d.mu).
	queued   time.Time
	lat      *latencies
	observed bool
	// The owner goroutine's: when the server began on its first statement
	// (the results ahead of it were read) and when its last result was
	// read.
	serverFrom, readAt time.Time
}

// sqlAt is the i-th statement to write, BEGIN and COMMIT included.
func (r *request) sqlAt(i int) string {
	if r.begin == "" {
		return r.stmts[i].SQL
	}
	switch i {
	case 0:
		return r.begin
	case len(r.stmts) + 1:
		return "COMMIT"
	}
	return r.stmts[i-1].SQL
}

// uses reports whether sql is one of r's statements.
func (r *request) uses(sql string) bool {
	for i := range r.statementCount() {
		if r.sqlAt(i) == sql {
			return true
		}
	}
	return false
}

// argsAt are the arguments of the i-th statement to write.
func (r *request) argsAt(i int) []any {
	if r.begin == "" {
		return r.stmts[i].Args
	}
	if i == 0 || i > len(r.stmts) {
		return nil
	}
	return r.stmts[i-1].Args
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
	if r.trimTx && len(r.curs) >= 2 {
		r.curs = r.curs[1 : len(r.curs)-1]
	}
	r.finish(r.curs, nil)
}

// ready reports whether r may go to a connection; a request that cannot
// run (its statements could not be prepared, its context has ended) is
// resolved here.
func (r *request) ready() bool {
	if r.ctx == nil {
		r.ctx = context.Background()
	}
	if r.err != nil {
		r.done(r.err)
		return false
	}
	if err := r.ctx.Err(); err != nil {
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
	if r.ctx.Done() == nil {
		return
	}
	r.stopWait = context.AfterFunc(r.ctx, func() {
		r.cancel.Store(true)
		resolved := r.settled.CompareAndSwap(false, true)
		d.mu.Lock()
		if resolved {
			r.observeCancelled()
		}
		d.onCancel(r)
		d.mu.Unlock()
		if resolved {
			r.finish(nil, r.ctx.Err())
		}
	})
}

// positionAfter reports whether the pipeline reads the WAL position
// right behind r: not behind a COPY, which would take it for copy data,
// nor behind transaction control; those read it on their own.
func (r *request) positionAfter() bool { return r.walAfter && !r.alone }

// statementCount is how many results the request reads: its statements,
// plus BEGIN and COMMIT for a transaction.
func (r *request) statementCount() int {
	if r.begin != "" {
		return len(r.stmts) + 2
	}
	return len(r.stmts)
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
