package pool

import (
	"context"
	"sync"
	"time"

	"github.com/momoko-go/momoko/future"
)

// walSample is how far the primary had flushed its WAL at a moment.
type walSample struct {
	at  time.Time
	lsn LSN
}

// walHistory keeps the primary's recent WAL positions, one per check, so
// that a standby's lag can be told in time: it is how long ago the primary
// had flushed something the standby has not replayed yet. Unlike the time
// since the standby replayed its last transaction, it does not grow while
// the primary is idle, and it grows while the standby's replication is
// broken and the primary goes on.
type walHistory struct {
	samples []walSample // oldest first
	keep    int
}

func newWALHistory(ro ReplicaOptions) *walHistory {
	keep := 64
	if ro.MaxReplicaLag > 0 {
		keep = int(ro.MaxReplicaLag/ro.CheckPeriod) + 2
	}
	return &walHistory{keep: min(max(keep, 8), 4096)}
}

func (h *walHistory) add(s walSample) {
	if n := len(h.samples); n > 0 && s.lsn < h.samples[n-1].lsn {
		// Another primary (a promoted standby), whose positions do not
		// compare with the old one's.
		h.samples = h.samples[:0]
	}
	if len(h.samples) == h.keep {
		h.samples = append(h.samples[:0], h.samples[1:]...)
	}
	h.samples = append(h.samples, s)
}

// lag is how far behind a standby that has replayed up to replayed is at
// now: zero when it has replayed what the primary had at the last sample;
// otherwise the age of the first sample it has not replayed all of (when
// it has not replayed even the oldest, the lag is at least that old).
func (h *walHistory) lag(replayed LSN, now time.Time) time.Duration {
	for _, s := range h.samples {
		if s.lsn > replayed {
			return max(now.Sub(s.at), 0)
		}
	}
	return 0
}

// standbyCheck asks a server its role and replay position. On a primary
// the positions are NULL. The third column is the time since the last
// replayed transaction, counted only while WAL received waits to be
// replayed (0 before any was replayed): it stands in for the primary's
// history when the primary cannot be asked.
const standbyCheck = `SELECT pg_is_in_recovery(),
	pg_last_wal_replay_lsn()::text,
	coalesce(CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
		THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END, 0)`

// primaryPosition is how far the primary has flushed its WAL: what a
// standby can have received.
const primaryPosition = "SELECT pg_current_wal_flush_lsn()::text"

// watchReplicas checks the standbys every CheckPeriod until the pool
// closes.
func (p *Pool) watchReplicas() {
	defer p.maintains.Done()
	rs := p.replicas
	select {
	case <-rs.filled:
	case <-p.ctx.Done():
		return
	}
	rs.check(p)
	close(rs.checked)
	t := time.NewTicker(rs.opts.CheckPeriod)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		rs.check(p)
	}
}

// awaitFirstCheck lets the first check start, the primary's connections
// being open, and waits for it.
func (rs *replicas) awaitFirstCheck(ctx context.Context, p *Pool) {
	rs.fillOnce.Do(func() { close(rs.filled) })
	select {
	case <-rs.checked:
	case <-ctx.Done():
	case <-p.ctx.Done():
	}
}

// checkTimeout bounds one round of checks: a standby that does not
// answer within it is down.
func (rs *replicas) checkTimeout() time.Duration {
	return min(max(rs.opts.CheckPeriod, time.Second), 5*time.Second)
}

// check samples the primary's position and every standby's, concurrently.
func (rs *replicas) check(p *Pool) {
	ctx, cancel := context.WithTimeout(p.ctx, rs.checkTimeout())
	defer cancel()
	now := time.Now()
	primary, complete := future.New[*Cursor]()
	r := p.statement(ctx, primaryPosition, nil, true)
	r.finish = oneCursor(complete)
	p.runNow(r)
	checks := make([]*future.Future[*Cursor], len(rs.members))
	for i, m := range rs.members {
		checks[i] = m.pool.Execute(ctx, standbyCheck)
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var primaryKnown bool
	if lsn, err := firstLSN(ctx, primary); err == nil {
		rs.history.add(walSample{at: now, lsn: lsn})
		primaryKnown = true
	}
	for i, m := range rs.members {
		cur, err := checks[i].Await(ctx)
		if err != nil {
			if p.ctx.Err() == nil {
				m.fail(err)
			}
			continue
		}
		m.classify(cur, rs.history, primaryKnown, now, rs.opts.MaxReplicaLag)
	}
}

// firstLSN awaits a one-row, one-LSN result.
func firstLSN(ctx context.Context, f *future.Future[*Cursor]) (LSN, error) {
	cur, err := f.Await(ctx)
	if err != nil {
		return 0, err
	}
	var lsn *string
	if err := cur.FetchOne(&lsn); err != nil {
		return 0, err
	}
	return scanLSN(lsn)
}

// classify sets m's role, lag and usability from its check's result.
func (m *member) classify(cur *Cursor, h *walHistory, primaryKnown bool, now time.Time, maxLag time.Duration) {
	var inRecovery bool
	var position *string
	var receiveLag float64
	err := cur.FetchOne(&inRecovery, &position, &receiveLag)
	var replayed LSN
	if err == nil {
		replayed, err = scanLSN(position)
	}
	if err != nil {
		m.fail(err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checked, m.lastErr = now, ""
	if !inRecovery {
		m.role, m.lag = RolePrimary, 0
		m.usable.Store(false)
		return
	}
	if m.role != RoleStandby {
		// Replay positions of another timeline (a standby re-seeded
		// since) must not vouch for this one.
		m.replayed.Store(uint64(replayed))
	}
	m.observe(replayed)
	m.role = RoleStandby
	m.lag = h.lag(replayed, now)
	if !primaryKnown {
		m.lag = max(m.lag, time.Duration(receiveLag*float64(time.Second)))
	}
	m.usable.Store(maxLag < 0 || m.lag <= maxLag)
}

// replicas routes the reads of Pool.Replica to the standbys.
type replicas struct {
	opts    ReplicaOptions
	members []*member
	next    uint32 // where the search for the least busy starts; atomic

	mu      sync.Mutex // guards history; held for a whole check
	history *walHistory

	// filled is closed once Connect has opened the primary's
	// connections; checked, once the first check is done.
	filled   chan struct{}
	fillOnce sync.Once
	checked  chan struct{}

	onPrimary uint64 // reads that fell back to the primary; atomic
}
