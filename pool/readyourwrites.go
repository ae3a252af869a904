package pool

import (
	"context"
	"math"
	"sync/atomic"

	"github.com/momoko-go/momoko/future"
)

// positionUnknown stands for a commit whose WAL position could not be
// learnt: no standby can vouch for it, so reads go to the primary.
const positionUnknown = LSN(math.MaxUint64)

// walInsertPosition covers every record inserted so far, so every commit
// acknowledged so far, asynchronous ones included.
const walInsertPosition = "SELECT pg_current_wal_insert_lsn()::text"

// WALPosition resolves to the primary's current WAL position: every
// commit acknowledged before the call is at or before it. Reads through
// Replica().After(position) see those commits.
func (p *Pool) WALPosition(ctx context.Context) *future.Future[LSN] {
	f, complete := future.New[LSN]()
	p.walPosition(ctx, func(lsn LSN, err error) { complete(lsn, err) })
	return f
}

func (p *Pool) walPosition(ctx context.Context, done func(LSN, error)) {
	r := p.statement(ctx, walInsertPosition, nil, true)
	r.finish = func(curs []*Cursor, err error) bool {
		if err != nil {
			done(0, err)
			return true
		}
		var s *string
		if err := curs[0].FetchOne(&s); err != nil {
			done(0, err)
			return true
		}
		done(scanLSN(s))
		return true
	}
	p.run(r)
}

// readPosition takes the WAL position read after r, unless reading it
// failed (inside a failed transaction, say).
func (r *request) readPosition(cur *Cursor, err error) {
	if err != nil {
		return
	}
	var s *string
	if cur.FetchOne(&s) != nil {
		return
	}
	if lsn, err := scanLSN(s); err == nil && s != nil {
		r.wal, r.walRead = lsn, true
	}
}

// ReadYourWrites is one caller's view of the pool in which its reads
// from standbys see its own writes: its Execute, CallProc and
// Transaction run on the primary and remember the WAL position of their
// commit, and reads through its Replica go to a standby that has
// replayed the last of them (see Replica.After). Make one per caller (a
// web request, a user session) with Pool.ReadYourWrites; a caller's
// position outlives the value through LSN and Observe, as a cookie, say.
//
// Each write costs one more statement on the primary (reading the WAL
// position, pipelined with other callers' statements), and a read whose
// standby is not known to have replayed it costs one on the standby
// (its replay position) per poll while it waits. It is safe for
// concurrent use; reads then see the latest write that has resolved.
type ReadYourWrites struct {
	p    *Pool
	last atomic.Uint64 // LSN
}

// ReadYourWrites starts tracking one caller's writes.
func (p *Pool) ReadYourWrites() *ReadYourWrites { return &ReadYourWrites{p: p} }

// LSN is the position of the caller's last write, 0 before any.
func (w *ReadYourWrites) LSN() LSN { return LSN(w.last.Load()) }

// Observe makes reads see everything up to lsn as well: a position from
// an earlier ReadYourWrites of the same caller, or from WALPosition.
func (w *ReadYourWrites) Observe(lsn LSN) {
	for {
		old := w.last.Load()
		if uint64(lsn) <= old || w.last.CompareAndSwap(old, uint64(lsn)) {
			return
		}
	}
}

// Replica is the pool's Replica view for reads that must see the
// caller's writes.
func (w *ReadYourWrites) Replica() *Replica { return w.p.Replica().After(w.LSN()) }

// Execute runs query on the primary; see Pool.Execute.
func (w *ReadYourWrites) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	if isListen(query) {
		return future.Failed[*Cursor](ErrListenOnPool)
	}
	f, complete := future.New[*Cursor]()
	w.write(ctx, w.p.statement(ctx, query, args, true), oneCursor(complete))
	return f
}

// CallProc calls name on the primary; see Pool.CallProc.
func (w *ReadYourWrites) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	quoted, err := quoteProcName(name)
	if err != nil {
		return future.Failed[*Cursor](err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if w.p.connector == nil {
		return future.Failed[*Cursor](ErrNeedsMomokoDriver)
	}
	f, complete := future.New[*Cursor]()
	w.write(ctx, w.p.procRequest(ctx, name, quoted, args, true), oneCursor(complete))
	return f
}

// Transaction runs stmts in one transaction on the primary; see
// Pool.Transaction.
func (w *ReadYourWrites) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	r, err := w.p.transaction(ctx, stmts, opts, true)
	if err != nil {
		return future.Failed[[]*Cursor](err)
	}
	f, complete := future.New[[]*Cursor]()
	w.write(ctx, r, allCursors(complete))
	return f
}

// write runs r on the primary and learns the WAL position of its commit
// before delivering its outcome: read right behind it, in the same round
// trip, when r is pipelined; with a statement of its own otherwise (the
// simple protocol, another driver). When the position cannot be read the
// write still succeeded, and the caller's reads go to the primary until a
// later write's position is known.
func (w *ReadYourWrites) write(ctx context.Context, r *request, deliver func([]*Cursor, error) bool) {
	if ctx == nil {
		ctx = context.Background()
	}
	r.walAfter = true
	r.finish = func(curs []*Cursor, err error) bool {
		if err != nil {
			return deliver(nil, err)
		}
		if r.walRead {
			w.record(r.wal, nil)
			return deliver(curs, nil)
		}
		w.p.walPosition(ctx, func(lsn LSN, err error) {
			w.record(lsn, err)
			deliver(curs, nil)
		})
		return true
	}
	w.p.run(r)
}

// record takes the position of a write that succeeded, or the error of
// reading it.
func (w *ReadYourWrites) record(lsn LSN, err error) {
	for {
		old := LSN(w.last.Load())
		next := max(old, lsn)
		switch {
		case err != nil:
			next = positionUnknown
		case old == positionUnknown:
			// A position read after the unknown one's write covers it.
			next = lsn
		}
		if w.last.CompareAndSwap(uint64(old), uint64(next)) {
			return
		}
	}
}
