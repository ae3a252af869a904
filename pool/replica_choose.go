package pool

import (
	"context"
	"time"

	"github.com/momoko-go/momoko/internal/replica"
)

// awaitReplay polls m, the usable standby furthest along, until it has
// replayed what the read must see, for at most ReplayWait in all, then
// sends the read to it, or falls back.
func (rd *replicaRead) awaitReplay(m *member) {
	rs := rd.p.replicas
	if rd.deadline.IsZero() {
		rd.deadline = time.Now().Add(rs.opts.ReplayWait)
	}
	ctx, cancel := context.WithDeadline(rd.ctx, rd.deadline)
	defer cancel()
	pause := 200 * time.Microsecond
	for {
		lsn, err := replayPosition(ctx, m.pool)
		switch {
		case rd.ctx.Err() != nil:
			rd.finish(nil, rd.ctx.Err())
			return
		case ctx.Err() != nil:
			rd.fallBack()
			return
		case err != nil && standbyFailed(err):
			rd.elsewhere(m, err)
			return
		case err != nil:
			rd.finish(nil, err)
			return
		}
		m.Observe(lsn)
		if replica.Covers(lsn, rd.after, rs.blockSize.Load()) {
			if m.Usable.Load() {
				rd.send(m)
			} else {
				rd.route()
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Millisecond)
	}
}

// replayPosition asks a standby how far it has replayed, through its pool.
func replayPosition(ctx context.Context, p *Pool) (LSN, error) {
	cur, err := p.Execute(ctx, "SELECT pg_last_wal_replay_lsn()::text").Await(ctx)
	if err != nil {
		return 0, err
	}
	return cursorLSN(cur)
}

// leastBusy is the usable standby with the fewest reads in flight among
// those known to have replayed after; ties go round, so that an idle pool
// spreads its reads too.
func (rs *replicas) leastBusy(after LSN) *member {
	n := uint32(len(rs.members))
	start := rs.next.Add(1)
	var best *member
	var load int64
	for i := range n {
		m := rs.members[(start+i)%n]
		if !m.Usable.Load() || !replica.Covers(LSN(m.Replayed.Load()), after, rs.blockSize.Load()) {
			continue
		}
		if l := m.InFlight.Load(); best == nil || l < load {
			best, load = m, l
		}
	}
	return best
}

// promoted is a standby the last check found promoted (not in recovery),
// or nil.
func (rs *replicas) promoted() *member {
	for _, m := range rs.members {
		if m.Role() == RolePrimary {
			return m
		}
	}
	return nil
}

// furthest is the usable standby that is known to have replayed most.
func (rs *replicas) furthest() *member {
	var best *member
	for _, m := range rs.members {
		if m.Usable.Load() && (best == nil || m.Replayed.Load() > best.Replayed.Load()) {
			best = m
		}
	}
	return best
}
