package pool

import (
	"context"
	"math"
	"sync"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// positionUnknown stands for a commit whose WAL position could not be
// learnt: no standby can vouch for it, so reads go to the primary.
const positionUnknown = LSN(math.MaxUint64)

// walInsertPosition is the statement the engine reads a write's WAL
// position with.
const walInsertPosition = engine.WALInsertPosition

// WALPosition resolves to the primary's current WAL position: every
// commit acknowledged before the call is at or before it. Reads through
// Replica().After(position) see those commits.
func (p *Pool) WALPosition(ctx context.Context) *future.Future[LSN] {
	ctx = nilctx.Or(ctx)
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
		done(cursorLSN(curs[0]))
		return true
	}
	p.run(r)
}

// ReadYourWrites is one caller's view of the pool in which its reads
// from standbys see its own writes: its Execute, CallProc and
// Transaction run on the primary and remember the WAL position of their
// commit, and reads through its Replica go to a standby that has
// replayed the last of them (see Replica.After). Make one per caller (a
// web request, a user session) with Pool.ReadYourWrites; a caller's
// position outlives the value through LSN and Observe, as a cookie, say.
//
// A write's position is read right behind it, in the same round trip,
// when the write is pipelined; with a statement of its own otherwise (the
// simple protocol, another driver). A read whose standby is not known to
// have replayed it costs a statement on the standby (its replay position)
// per poll while it waits. When a write's position cannot be read (its
// connection broke just after the write), the write still succeeded, and
// the caller's reads go to the primary, or fail with ErrReplicaBehind
// without FallbackToPrimary, until a write made after it has its position
// read; LSN is "FFFFFFFF/FFFFFFFF" meanwhile.
//
// It is safe for concurrent use; reads then see the writes that have
// resolved.
type ReadYourWrites struct {
	p *Pool

	mu     sync.Mutex
	last   LSN
	writes uint64 // writes started
	// clearFrom: while last is positionUnknown, the first write whose
	// position may replace it, being made after the one whose position
	// was lost.
	clearFrom uint64
}

// ReadYourWrites starts tracking one caller's writes.
func (p *Pool) ReadYourWrites() *ReadYourWrites { return &ReadYourWrites{p: p} }

// LSN is the position of the caller's last write, 0 before any.
func (w *ReadYourWrites) LSN() LSN {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Observe makes reads see everything up to lsn as well: a position from
// an earlier ReadYourWrites of the same caller, or from WALPosition.
func (w *ReadYourWrites) Observe(lsn LSN) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = max(w.last, lsn)
}

// Replica is the pool's Replica view for reads that must see the
// caller's writes.
func (w *ReadYourWrites) Replica() *Replica { return w.p.Replica().After(w.LSN()) }

// Execute runs query on the primary; see Pool.Execute.
func (w *ReadYourWrites) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	ctx = nilctx.Or(ctx)
	if sqltext.IsListen(query) {
		return future.Failed[*Cursor](ErrListenOnPool)
	}
	f, complete := future.New[*Cursor]()
	w.write(ctx, w.p.statement(ctx, query, args, true), oneCursor(complete))
	return f
}

// CallProc calls name on the primary; see Pool.CallProc.
func (w *ReadYourWrites) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	quoted, err := sqltext.QuoteProcName(name)
	if err != nil {
		return future.Failed[*Cursor](err)
	}
	ctx = nilctx.Or(ctx)
	if w.p.connector == nil {
		return future.Failed[*Cursor](ErrNeedsMomokoDriver)
	}
	f, complete := future.New[*Cursor]()
	w.write(ctx, w.p.procRequest(ctx, name, quoted, args, true, false), oneCursor(complete))
	return f
}

// Transaction runs stmts in one transaction on the primary; see
// Pool.Transaction.
func (w *ReadYourWrites) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	ctx = nilctx.Or(ctx)
	r, err := w.p.transaction(ctx, stmts, opts, true)
	if err != nil {
		return future.Failed[[]*Cursor](err)
	}
	f, complete := future.New[[]*Cursor]()
	w.write(ctx, r, complete)
	return f
}

// write runs r on the primary and learns the WAL position of its commit
// before delivering its outcome: read right behind it, in the same round
// trip, when r is pipelined; with a statement of its own otherwise (the
// simple protocol, another driver). When the position cannot be read the
// write still succeeded, and the caller's reads go to the primary until a
// later write's position is known.
func (w *ReadYourWrites) write(ctx context.Context, r *request, deliver func([]*Cursor, error) bool) {
	w.mu.Lock()
	w.writes++
	seq := w.writes
	w.mu.Unlock()
	r.WALAfter = true
	r.finish = func(curs []*Cursor, err error) bool {
		if err != nil {
			return deliver(nil, err)
		}
		if r.WAL != 0 {
			w.record(seq, r.WAL, nil)
			return deliver(curs, nil)
		}
		w.p.walPosition(ctx, func(lsn LSN, err error) {
			w.record(seq, lsn, err)
			deliver(curs, nil)
		})
		return true
	}
	w.p.run(r)
}

// record takes the position of write seq, which succeeded, or the
// error of reading it.
func (w *ReadYourWrites) record(seq uint64, lsn LSN, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil:
		w.last, w.clearFrom = positionUnknown, w.writes+1
	case w.last != positionUnknown:
		w.last = max(w.last, lsn)
	case seq >= w.clearFrom:
		w.last = lsn
	}
}
