package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/replica"
	"github.com/momoko-go/momoko/internal/sqltext"
)

var (
	// ErrNoReplica: a read sent through Replica found no standby to take
	// it (every one down, lagging beyond MaxReplicaLag, or promoted) and
	// FallbackToPrimary is off. It fails at once: a read never waits for
	// a standby to come back.
	ErrNoReplica = errors.New("momoko: no standby can take the read")
	// ErrReplicaBehind: a read that must see a commit found no standby
	// that replayed it within ReplayWait, and FallbackToPrimary is off.
	// errors.Is matches ErrNoReplica too.
	ErrReplicaBehind = fmt.Errorf("%w: no standby has replayed the commit to be read", ErrNoReplica)
)

// Replica is a read-only view of a pool: its calls run on the pool's
// standbys (Options.Replicas), the least busy of those that are up and
// within MaxReplicaLag, and on the primary only when none can take them
// and FallbackToPrimary allows it. A read that fails on a standby because
// the standby broke or went away runs again on another standby, or on the
// primary when FallbackToPrimary allows: a standby's sessions are read
// only, so running it again cannot write twice. A pool without standbys
// runs them on the primary.
//
// Every read is read only, wherever it runs: a statement that writes
// fails with SQLSTATE 25006 (read_only_sql_transaction) and changes
// nothing. On a standby the session is read only; on the primary, whose
// sessions can write, each read runs in a READ ONLY transaction of its
// own (BEGIN READ ONLY and COMMIT written with it, in the same round
// trip), which keeps its connection from taking pipelined work until the
// read is done.
//
// Get one with Pool.Replica; it satisfies Executor, so Collect and
// CollectOne take it. It is safe for concurrent use.
type Replica struct {
	p     *Pool
	after LSN // a standby must have replayed this far
}

var _ Executor = (*Replica)(nil)

// Replica returns the pool's read-only view, which sends reads to the
// standbys.
func (p *Pool) Replica() *Replica { return &p.replicaView }

// After returns a view whose reads see everything committed up to lsn:
// they go to a standby known to have replayed it, or wait up to
// ReplayWait for one to, then fall back to the primary (or fail with
// ErrReplicaBehind). lsn comes from ReadYourWrites or Pool.WALPosition.
func (r *Replica) After(lsn LSN) *Replica {
	return &Replica{p: r.p, after: max(r.after, lsn)}
}

// Execute runs query on a standby; see Pool.Execute. A query that writes
// fails with SQLSTATE 25006.
func (r *Replica) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	ctx = nilctx.Or(ctx)
	if sqltext.IsListen(query) {
		return future.Failed[*Cursor](ErrListenOnPool)
	}
	f, complete := future.New[*Cursor]()
	r.read(ctx, oneCursor(complete), func(p *Pool, primary bool) *request {
		if primary {
			return p.readOnly(ctx, Statement{SQL: query, Args: args})
		}
		return p.statement(ctx, query, args, true)
	})
	return f
}

// CallProc calls a function on a standby; see Pool.CallProc. A function
// or procedure that writes fails with SQLSTATE 25006
// (read_only_sql_transaction).
func (r *Replica) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	ctx = nilctx.Or(ctx)
	quoted, err := sqltext.QuoteProcName(name)
	if err != nil {
		return future.Failed[*Cursor](err)
	}
	if _, known := r.p.procKinds.Load(name); !known && r.p.connector == nil {
		// Only a pool without standbys has no connector: every read is
		// the primary's, each through Execute's read-only transaction.
		return r.p.callProcByTrying(ctx, r.Execute, name, quoted, args)
	}
	f, complete := future.New[*Cursor]()
	r.read(ctx, oneCursor(complete), func(p *Pool, primary bool) *request {
		return p.procRequest(ctx, name, quoted, args, true, primary)
	})
	return f
}

// Transaction runs stmts in one READ ONLY transaction on a standby; see
// Pool.Transaction. ReadOnly is implied: a standby can run no other.
func (r *Replica) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	ctx = nilctx.Or(ctx)
	o, begin, err := applyTxOptions(append(opts[:len(opts):len(opts)], ReadOnly()))
	if err != nil {
		return future.Failed[[]*Cursor](err)
	}
	f, complete := future.New[[]*Cursor]()
	r.read(ctx, complete, func(p *Pool, _ bool) *request {
		return p.txRequest(ctx, stmts, o, begin, true)
	})
	return f
}

// readOnly makes the request of a read that runs on the primary, whose
// sessions can write: the statement in a READ ONLY transaction of its
// own, as Transaction's with ReadOnly, resolving to its cursor alone.
func (p *Pool) readOnly(ctx context.Context, st Statement) *request {
	return p.txRequest(ctx, []Statement{st}, txOptions{readOnly: true}, beginReadOnly, true)
}

// beginReadOnly is the BEGIN of txOptions{readOnly: true}.
var beginReadOnly, _ = txOptions{readOnly: true}.begin()

// read sends a request made by makeReq to a standby, finishing with
// finish. makeReq is told whether the request runs on the primary,
// whose sessions, unlike a standby's, can write.
func (r *Replica) read(ctx context.Context, finish func([]*Cursor, error) bool, makeReq func(p *Pool, primary bool) *request) {
	rd := &replicaRead{p: r.p, ctx: ctx, after: r.after, finish: finish, makeReq: makeReq}
	switch {
	case r.p.replicas == nil:
		rd.onPrimary()
	case !r.p.connected.Load():
		// Connect, which waits for the standbys' first check, comes first.
		go func() {
			if err := r.p.awaitConnected(ctx); err != nil {
				finish(nil, err)
				return
			}
			rd.route()
		}()
	default:
		rd.route()
	}
}

// replicaRead is one read on its way to a standby, through as many
// attempts as standbys fail under it.
type replicaRead struct {
	p        *Pool
	ctx      context.Context
	after    LSN
	finish   func([]*Cursor, error) bool
	makeReq  func(p *Pool, primary bool) *request
	tries    int
	lastErr  error
	deadline time.Time // of the wait for a standby to replay after
	// promotedTried: the read went to a promoted standby after the
	// primary's pool failed it.
	promotedTried bool
}

// route sends the read to the least busy usable standby that has replayed
// what it must see, or waits for one to replay it, or falls back.
func (rd *replicaRead) route() {
	rs := rd.p.replicas
	if err := rd.ctx.Err(); err != nil {
		rd.finish(nil, err)
		return
	}
	if rd.after == positionUnknown {
		rd.fallBack()
		return
	}
	if m, ok := replica.LeastBusy(rs.members, rs.next.Add(1), rd.after, rs.blockSize.Load()); ok {
		rd.send(m)
		return
	}
	if rd.after > 0 && rs.opts.ReplayWait > 0 {
		if m, ok := replica.Furthest(rs.members); ok {
			go rd.awaitReplay(m)
			return
		}
	}
	rd.fallBack()
}

// fallBack runs the read on the primary when allowed, and fails it
// otherwise.
func (rd *replicaRead) fallBack() {
	rs := rd.p.replicas
	if rd.p.isClosed() {
		rd.finish(nil, ErrPoolClosed)
		return
	}
	if rs.opts.FallbackToPrimary {
		rs.fellBack.Add(1)
		rd.onPrimary()
		return
	}
	err := ErrNoReplica
	if rd.after > 0 {
		err = ErrReplicaBehind
	}
	if rd.lastErr != nil {
		rd.finish(nil, fmt.Errorf("%w (last standby error: %w)", err, rd.lastErr))
		return
	}
	rd.finish(nil, err)
}

// onPrimary runs the read on the primary's pool. During a failover that
// pool may still fail fast for the old primary while a standby has been
// promoted and classified: a read the pool provably did not send goes to
// the promoted server instead, once, through the standby's read-only
// sessions.
func (rd *replicaRead) onPrimary() {
	req := rd.makeReq(rd.p, true)
	req.finish = rd.finish
	if rs := rd.p.replicas; rs != nil && !rd.promotedTried {
		req.finish = func(curs []*Cursor, err error) bool {
			if err != nil && rd.ctx.Err() == nil && driver.Classify(err) == driver.ClassSafeToRetry {
				if m, ok := replica.Promoted(rs.members); ok {
					rd.promotedTried = true
					go rd.send(m)
					return true
				}
			}
			return rd.finish(curs, err)
		}
	}
	rd.p.run(req)
}

// send gives the read to m. When m fails it in a way that says m broke or
// went away, m takes no more reads until its next check succeeds, and the
// read is routed again.
func (rd *replicaRead) send(m *member) {
	m.InFlight.Add(1)
	req := rd.makeReq(m.pool, false)
	req.finish = func(curs []*Cursor, err error) bool {
		m.InFlight.Add(-1)
		if err != nil && rd.ctx.Err() == nil && standbyFailed(err) {
			m.Retried.Add(1)
			// Not on the owner's goroutine, which may be the one to serve
			// the next attempt.
			go rd.elsewhere(m, err)
			return true
		}
		m.Reads.Add(1)
		return rd.finish(curs, err)
	}
	m.pool.run(req)
}

// elsewhere takes m, which failed the read with err, out of the reads
// and routes the read again: to another standby, or to the primary when
// every standby has failed it (however the checks rate them meanwhile).
func (rd *replicaRead) elsewhere(m *member, err error) {
	m.Fail(err)
	rd.tries++
	rd.lastErr = err
	if rd.tries < len(rd.p.replicas.members) {
		rd.route()
		return
	}
	rd.fallBack()
}

// standbyFailed tells a failure of the standby (down, restarting, its
// connection broken, its gate shut) from the read's own. A query
// cancelled by a conflict with recovery (40001) is the read's own: it
// fails as on the primary.
func standbyFailed(err error) bool {
	if errors.Is(err, ErrPoolClosed) {
		return false
	}
	switch driver.Classify(err) {
	case driver.ClassSafeToRetry, driver.ClassConnectionLost:
		return true
	}
	return false
}
