package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/momoko-go/momoko/internal/replica"
)

// Statement is one statement's SQL text and arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Batch is one unit of work for a connection: a statement, a transaction
// (BEGIN, its statements and COMMIT, written back to back) or a ping,
// and what the engine learned of it. The caller fills in the work; the
// engine, on its connection's goroutine, the outcome.
type Batch struct {
	Ctx   context.Context
	Stmts []Statement // in order; for a transaction without BEGIN and COMMIT
	Begin string      // a transaction's BEGIN; "" for anything else
	Ping  bool
	// Alone: nothing else may be in flight on the connection with it
	// (transaction control on a shared connection, the simple protocol).
	Alone bool
	// Shared: it came through a pool, not a session of its caller's own,
	// so that it is independent of what was written around it.
	Shared bool
	// WALAfter: the engine reads the WAL position after its statements
	// into WAL, which stays 0 when it could not (see PositionAfter).
	WALAfter bool
	// Group: a lone read through a pool, fast, that may share a read
	// group (group.go) with others; the engine may still write it alone.
	Group bool
	// Cancelled: its caller's context ended; it is not run again.
	Cancelled atomic.Bool
	// Caller is the caller's own record of the work, for ReadNext's
	// caller to find it by.
	Caller any

	// Held: it waits for Prepares written for it. Described: it waited
	// for Prepares, so the descriptions of its statements are fresh. Both
	// belong to the connection it is given to. The engine's goroutine
	// writes them while it holds the batch; its caller may read Held, and
	// clears both to move the batch to another connection, once the
	// goroutine has handed the batch back (the pool: under its lock, while
	// the batch is queued).
	Held, Described bool
	// again: the error of its statement that the engine may run a second
	// time (see runAgain).
	again error
	// group: the read group it is in, until that group's Sync is read;
	// noGroup: it runs again alone, after its group failed on it.
	group   *group
	noGroup bool

	// The outcome. Results: one per statement read, BEGIN and COMMIT
	// included (TrimTx: drop theirs), each allocated on its own so that
	// whoever keeps one keeps nothing else of the batch; Err: the first
	// statement error.
	Results []*Result
	one     [1]*Result
	Err     error
	TrimTx  bool
	WAL     replica.LSN
	// Ended: the Sync after its statements was read; only the WAL
	// position is still in flight, so a break now loses no outcome.
	Ended bool
	// Skipped: it was in a read group whose run of it does not stand (it
	// never ran, or its transaction rolled back): it has no outcome, and
	// is to be written again.
	Skipped bool
	// Grouped: its outcome came from a read group that ended.
	Grouped bool

	// Where its time went: Queued (set by the caller), when it was given
	// to its connection; Started, when it was written; ServerFrom, when the
	// server began on its first statement (the results ahead of it were
	// read); ReadAt, when its last result was read.
	Queued, Started, ServerFrom, ReadAt time.Time
}

// sqlAt is the i-th statement to write, BEGIN and COMMIT included.
func (b *Batch) sqlAt(i int) string {
	if b.Begin == "" {
		return b.Stmts[i].SQL
	}
	switch i {
	case 0:
		return b.Begin
	case len(b.Stmts) + 1:
		return "COMMIT"
	}
	return b.Stmts[i-1].SQL
}

// Uses reports whether sql is one of b's statements.
func (b *Batch) Uses(sql string) bool {
	for i := range b.count() {
		if b.sqlAt(i) == sql {
			return true
		}
	}
	return false
}

// argsAt are the arguments of the i-th statement to write.
func (b *Batch) argsAt(i int) []any {
	if b.Begin == "" {
		return b.Stmts[i].Args
	}
	if i == 0 || i > len(b.Stmts) {
		return nil
	}
	return b.Stmts[i-1].Args
}

// count is how many results b reads: its statements, plus BEGIN and
// COMMIT for a transaction.
func (b *Batch) count() int {
	if b.Begin != "" {
		return len(b.Stmts) + 2
	}
	return len(b.Stmts)
}

// WALInsertPosition covers every record inserted so far, so every commit
// acknowledged so far, asynchronous ones included.
const WALInsertPosition = "SELECT pg_current_wal_insert_lsn()::text"

// positionAfter reports whether the engine reads the WAL position right
// behind b: not behind a COPY, which would take it for copy data, nor
// behind transaction control; those read it on their own.
func (b *Batch) positionAfter() bool { return b.WALAfter && !b.Alone }

// ResetTimes forgets when b was written and read, for a batch that goes
// to another connection, never having reached the server.
func (b *Batch) ResetTimes() {
	b.Started, b.ServerFrom, b.ReadAt = time.Time{}, time.Time{}, time.Time{}
}

// newResult is where the next statement's result is read to.
func (b *Batch) newResult() *Result {
	if b.Results == nil {
		b.Results = b.one[:0]
		if n := b.count(); n > 1 {
			b.Results = make([]*Result, 0, n)
		}
	}
	res := new(Result)
	b.Results = append(b.Results, res)
	return res
}

// dropResult forgets the result newResult gave last: its statement failed.
func (b *Batch) dropResult() {
	n := len(b.Results) - 1
	b.Results[n] = nil
	b.Results = b.Results[:n]
}
