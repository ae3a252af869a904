package pool

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/momoko-go/momoko/internal/replica"
)

// replicas routes the reads of Pool.Replica to the standbys.
type replicas struct {
	opts    ReplicaOptions
	members []*member
	next    atomic.Uint32 // where the search for the least busy starts

	primary   *monitor         // the checks' connection to the primary
	history   *replica.History // the check goroutine's
	blockSize atomic.Int64

	checked chan struct{} // closed once the first check is done

	fellBack atomic.Uint64 // reads that fell back to the primary
}

// standbyCheck asks a server its role, its replay position (NULL on a
// primary), the time since it replayed its last transaction (NULL before
// any), and that time again counted only while WAL it received waits to
// be replayed.
const standbyCheck = `SELECT pg_is_in_recovery(),
	pg_last_wal_replay_lsn()::text,
	extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
	coalesce(CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
		THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END, 0)`

// primaryCheck asks the primary how far it has flushed its WAL (what a
// standby can have received), its timeline (from the name of the WAL
// file), and its WAL page size.
const primaryCheck = `SELECT pg_current_wal_flush_lsn()::text,
	('x' || substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8))::bit(32)::int8,
	current_setting('wal_block_size')::int8`

// standbyState is a standby's answer to standbyCheck.
type standbyState struct {
	inRecovery bool
	replayed   LSN
	replayAge  *float64
	receiveLag float64
}

// watchReplicas checks the standbys every CheckPeriod until the pool
// closes.
func (p *Pool) watchReplicas() {
	defer p.maintains.Done()
	rs := p.replicas
	defer func() {
		rs.primary.close()
		for _, m := range rs.members {
			m.monitor.close()
		}
	}()
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

// awaitFirstCheck waits for the first check, so that reads go to the
// standbys from the start.
func (rs *replicas) awaitFirstCheck(ctx context.Context, p *Pool) {
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

// check asks every standby, concurrently, then the primary: a standby
// streaming from the primary cannot have replayed more than the primary
// had flushed after it was asked.
func (rs *replicas) check(p *Pool) {
	ctx, cancel := context.WithTimeout(p.ctx, rs.checkTimeout())
	defer cancel()
	start := time.Now()
	states := make([]standbyState, len(rs.members))
	errs := make([]error, len(rs.members))
	var wg sync.WaitGroup
	for i, m := range rs.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[i], errs[i] = m.ask(ctx)
		}()
	}
	wg.Wait()
	// A time of its own: a standby that did not answer must not cost the
	// primary's sample.
	pctx, pcancel := context.WithTimeout(p.ctx, rs.checkTimeout())
	defer pcancel()
	sampled := time.Now()
	var position *string
	var timeline, blockSize int64
	err := rs.primary.query(pctx, primaryCheck, &position, &timeline, &blockSize)
	var flushed LSN
	if err == nil {
		flushed, err = replica.ScanLSN(position)
	}
	primaryKnown := err == nil && position != nil
	if primaryKnown {
		rs.history.Add(replica.Sample{At: sampled, LSN: flushed}, timeline)
		rs.blockSize.Store(blockSize)
	}
	if p.ctx.Err() != nil {
		return
	}
	now := time.Now()
	for i, m := range rs.members {
		if errs[i] != nil {
			m.failCheck(errs[i])
			continue
		}
		s := states[i]
		if primaryKnown && s.inRecovery && s.replayed > flushed {
			m.failCheck(errAhead)
			continue
		}
		lag := replica.StandbyLag(rs.history, s.replayed, now, primaryKnown, s.replayAge, s.receiveLag)
		m.classify(s, lag, start, now, rs.opts.MaxReplicaLag)
	}
}

// errAhead: the standby has replayed WAL the primary does not have, so
// it follows another timeline (an old primary's, after a failover): its
// positions say nothing of the primary's commits.
var errAhead = errors.New("momoko: the standby has replayed beyond the primary's position: it is on another timeline")

// ask runs standbyCheck on m's own connection.
func (m *member) ask(ctx context.Context) (standbyState, error) {
	var s standbyState
	var position *string
	if err := m.monitor.query(ctx, standbyCheck, &s.inRecovery, &position, &s.replayAge, &s.receiveLag); err != nil {
		return s, err
	}
	var err error
	s.replayed, err = replica.ScanLSN(position)
	return s, err
}

// classify sets m's role, lag and usability from a check started at
// start. A read that failed on m since then keeps it out of the reads
// until the next check.
func (m *member) classify(s standbyState, lag time.Duration, start, now time.Time, maxLag time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checked, m.lastErr = now, ""
	if !s.inRecovery {
		m.role, m.lag, m.diverged = RolePrimary, 0, false
		m.usable.Store(false)
		return
	}
	if m.diverged {
		// Once ahead of the primary, it stays out even after the
		// primary's position has passed its own: they are not on the
		// same timeline.
		m.role, m.lastErr = RoleDown, errAhead.Error()
		m.usable.Store(false)
		return
	}
	if m.role != RoleStandby {
		// Replay positions from before it was down or a primary (a
		// standby re-seeded since) must not vouch for this one.
		m.replayed.Store(uint64(s.replayed))
	}
	m.observe(s.replayed)
	m.role, m.lag = RoleStandby, lag
	if m.failedAt.After(start) {
		return
	}
	m.usable.Store(maxLag < 0 || lag <= maxLag)
}
