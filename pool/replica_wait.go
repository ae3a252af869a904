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
