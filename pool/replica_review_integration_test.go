package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// The review of the replica routing found these; each failed before its
// fix.

// A standby far behind when the pool opens (its replay paused while the
// primary writes) is out of the reads at once, although the pool's
// history of the primary has a single sample then.
func TestReplicaFarBehindAtOpenGetsNoReads(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	w := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1})
	await(t, ctx, w.Execute(ctx, "INSERT INTO items VALUES (41, 'seen')"))
	waitFor(t, 10*time.Second, "the standby to replay a transaction", func() bool {
		var n int
		return queryOn(ctx, rs.standbys[0].DatabaseDSN(rs.db), "SELECT count(*) FROM items WHERE id = 41", &n) && n == 1
	})
	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	await(t, ctx, w.Execute(ctx, "INSERT INTO items VALUES (42, 'new')"))
	writeEvery(t, ctx, w, 5*time.Millisecond, 1_000_000)
	waitFor(t, 10*time.Second, "the standby to be a second behind", func() bool {
		var behind bool
		return queryOn(ctx, rs.standbys[0].DSN(), "SELECT now() - pg_last_xact_replay_timestamp() > interval '1 second'", &behind) && behind
	})

	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond, MaxReplicaLag: 300 * time.Millisecond,
	}})
	if st := p.Stats().Replicas[0]; st.Usable || st.Lag < time.Second {
		t.Errorf("right after Open: usable %v, lag %v; want out of the reads, a second behind at least", st.Usable, st.Lag)
	}
	_, err := p.Replica().Execute(ctx, "SELECT count(*) FROM items WHERE id = 42").Await(ctx)
	if !errors.Is(err, pool.ErrNoReplica) {
		t.Errorf("read with the only standby far behind: %v, want ErrNoReplica", err)
	}
}

// COPY through ReadYourWrites fails as through Execute, and the
// connection stays usable: the WAL position is not written behind it.
func TestReadYourWritesCopyNeedsRaw(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE c (id int)"))
	if _, err := p.Execute(ctx, "COPY c FROM STDIN").Await(ctx); !errors.Is(err, pool.ErrCopyNeedsRaw) {
		t.Errorf("COPY FROM STDIN through Execute: %v, want ErrCopyNeedsRaw", err)
	}
	_, err := p.ReadYourWrites().Execute(ctx, "COPY c FROM STDIN").Await(ctx)
	if !errors.Is(err, pool.ErrCopyNeedsRaw) {
		t.Errorf("COPY through ReadYourWrites: %v, want ErrCopyNeedsRaw", err)
	}
	if got := execInt(t, ctx, p, "SELECT 1"); got != 1 || p.Stats().Lost != 0 {
		t.Errorf("after it: SELECT 1 = %d, %d lost", got, p.Stats().Lost)
	}
}

// A standby whose connections are all taken by slow reads is busy, not
// down: its checks do not queue behind the reads.
func TestReplicaBusyStandbyStaysUp(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), Size: 1, MaxSize: 1, CheckPeriod: 50 * time.Millisecond,
	}})
	waitUsable(t, p, true)
	slow, stop := context.WithCancel(ctx)
	defer stop()
	for range 2 {
		p.Replica().Execute(slow, "SELECT pg_sleep(30)")
	}
	waitFor(t, 10*time.Second, "a read queued on the standby", func() bool { return p.Stats().Replicas[0].Pool.Waiting > 0 })
	queued := time.Now()
	// A check stuck in the queue failed after a second.
	waitFor(t, 10*time.Second, "checks 1.5s after the queue formed", func() bool {
		return p.Stats().Replicas[0].Checked.After(queued.Add(1500 * time.Millisecond))
	})
	if st := p.Stats().Replicas[0]; !st.Usable || st.Role != pool.RoleStandby || st.Pool.Waiting == 0 {
		t.Errorf("busy standby: usable %v, role %v (%s), %d waiting", st.Usable, st.Role, st.LastError, st.Pool.Waiting)
	}
}

// ReplayWait bounds a read-your-writes read whose standby cannot answer
// (its only connection busy): it runs on the primary after it.
func TestReplayWaitBoundsTheWait(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), Size: 1, MaxSize: 1, CheckPeriod: 50 * time.Millisecond,
		ReplayWait: 100 * time.Millisecond, FallbackToPrimary: true,
	}})
	waitUsable(t, p, true)
	slow, stop := context.WithCancel(ctx)
	defer stop()
	p.Replica().Execute(slow, "SELECT pg_sleep(30)")
	waitFor(t, 10*time.Second, "the standby's connection to be taken", func() bool { return p.Stats().Replicas[0].Pool.Busy == 1 })
	rw := p.ReadYourWrites()
	await(t, ctx, rw.Execute(ctx, "INSERT INTO items VALUES (9, 'x')"))
	port, err := readPort(ctx, rw.Replica())
	if err != nil || port != portOf(t, rs.primary.Addr()) || p.Stats().ReadsOnPrimary != 1 {
		t.Errorf("read after a write, standby busy: port %d (%v), %d on the primary; want the primary's %d",
			port, err, p.Stats().ReadsOnPrimary, portOf(t, rs.primary.Addr()))
	}
}

// After a failover, a standby left on the old timeline, ahead of the
// promoted primary, takes no reads: its positions say nothing of the new
// primary's commits.
func TestReplicaOnTheOldTimelineGetsNoReads(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	promoted, old := rs.standbys[0], rs.standbys[1]
	if err := promoted.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	w := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1})
	for i := range 500 {
		await(t, ctx, w.Execute(ctx, "INSERT INTO items VALUES ($1, 'old timeline')", 500_000+i))
	}
	pos := await(t, ctx, w.WALPosition(ctx))
	waitFor(t, 10*time.Second, "the other standby to replay the old timeline", func() bool {
		var s string
		if !queryOn(ctx, old.DSN(), "SELECT pg_last_wal_replay_lsn()::text", &s) {
			return false
		}
		l, err := pool.ParseLSN(s)
		return err == nil && l >= pos
	})
	_ = w.Close()
	if err := rs.primary.Stop(ctx, pgtest.ShutdownImmediate); err != nil {
		t.Fatal(err)
	}
	if err := promoted.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := promoted.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	p := openPool(t, ctx, promoted.DatabaseDSN(rs.db), pool.Options{Size: 1, Replicas: pool.ReplicaOptions{
		Standbys: []string{old.DatabaseDSN(rs.db)}, CheckPeriod: 50 * time.Millisecond,
	}})
	rw := p.ReadYourWrites()
	await(t, ctx, rw.Execute(ctx, "INSERT INTO items VALUES (7, 'new timeline')"))
	st := p.Stats().Replicas[0]
	if st.Usable || st.Role != pool.RoleDown {
		t.Errorf("standby on the old timeline: usable %v, role %v (%s)", st.Usable, st.Role, st.LastError)
	}
	_, err := rw.Replica().Execute(ctx, "SELECT count(*) FROM items WHERE id = 7").Await(ctx)
	if !errors.Is(err, pool.ErrReplicaBehind) {
		t.Errorf("read-your-writes read with the only standby on the old timeline: %v, want ErrReplicaBehind", err)
	}
}
