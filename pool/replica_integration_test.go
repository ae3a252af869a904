package pool_test

import (
	"cmp"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReplicaReadsSpreadOverStandbys: 16 callers reading through Replica
// spread their reads over two standbys, none on the primary; the reads
// run read only, and a write through Replica fails with 25006.
func TestReplicaReadsSpreadOverStandbys(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond,
	}})
	waitUsable(t, p, true, true)

	const callers, reads = 16, 200
	counts := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range reads {
				port, err := readPort(ctx, p.Replica())
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				counts[port]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d reads in %v (%.0f/s): %v", callers*reads, took, float64(callers*reads)/took.Seconds(), counts)
	st := p.Stats()
	for _, m := range st.Replicas {
		t.Logf("%s: %d reads, deepest pipeline %d", m.Name, m.Reads, m.Pool.DeepestPipeline)
	}
	if st.ReadsOnPrimary != 0 || counts[portOf(t, rs.primary.Addr())] != 0 {
		t.Errorf("%d reads fell back to the primary", st.ReadsOnPrimary)
	}
	for _, s := range rs.standbys {
		if n := counts[portOf(t, s.Addr())]; n < callers*reads/4 {
			t.Errorf("standby %s took %d of %d reads", s.Addr(), n, callers*reads)
		}
	}
	var ro string
	cur := await(t, ctx, p.Replica().Execute(ctx, "SHOW transaction_read_only"))
	if err := cur.FetchOne(&ro); err != nil || ro != "on" {
		t.Errorf("a replica read's transaction_read_only = %q (%v), want on", ro, err)
	}
	_, err := p.Replica().Execute(ctx, "INSERT INTO items VALUES (1, 'x')").Await(ctx)
	if sqlState(err) != "25006" {
		t.Errorf("INSERT through Replica: %v, want SQLSTATE 25006", err)
	}
}

// TestReplicaLaggingStandbyGetsNoReads: a standby whose replay is paused
// while the primary writes leaves the reads once its lag passes
// MaxReplicaLag, gets none of the next 500, and takes reads again once it
// has caught up.
func TestReplicaLaggingStandbyGetsNoReads(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	const maxLag = 300 * time.Millisecond
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 4, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond, MaxReplicaLag: maxLag,
	}})
	waitUsable(t, p, true, true)
	writeEvery(t, ctx, p, 5*time.Millisecond, 1_000_000)

	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, false, true)
	lagging := p.Stats().Replicas[0]
	if lagging.Role != pool.RoleStandby || lagging.Lag <= maxLag {
		t.Fatalf("paused standby: role %v (%s), lag %v; want a standby lagging beyond %v", lagging.Role, lagging.LastError, lagging.Lag, maxLag)
	}
	t.Logf("paused standby out of the reads with lag %v", lagging.Lag)

	paused, other := portOf(t, rs.standbys[0].Addr()), portOf(t, rs.standbys[1].Addr())
	counts := map[int]int{}
	for range 500 {
		port, err := readPort(ctx, p.Replica())
		if err != nil {
			t.Fatal(err)
		}
		counts[port]++
	}
	if counts[other] != 500 {
		t.Errorf("reads while a standby lags: %v; want all 500 on port %d, none on the paused %d", counts, other, paused)
	}

	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, true, true)
	waitFor(t, 10*time.Second, "reads to reach the standby that caught up", func() bool {
		port, err := readPort(ctx, p.Replica())
		return err == nil && port == paused
	})
}

// TestReplicaReadsMoveToTheOtherStandby stops one of two standbys under
// load, with no fallback to the primary: the reads that were on it run
// again on the other, and no read fails. Back, it takes reads again.
func TestReplicaReadsMoveToTheOtherStandby(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 4, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond,
	}})
	waitUsable(t, p, true, true)

	var mu sync.Mutex
	var reads, failures int
	var firstErr error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := readPort(ctx, p.Replica())
				mu.Lock()
				reads++
				if err != nil {
					failures++
					firstErr = cmp.Or(firstErr, err)
				}
				mu.Unlock()
			}
		}()
	}
	readsNow := func() int { mu.Lock(); defer mu.Unlock(); return reads }
	waitFor(t, 10*time.Second, "reads on both standbys", func() bool {
		st := p.Stats().Replicas
		return st[0].Reads > 100 && st[1].Reads > 100
	})
	if err := rs.standbys[0].Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, false, true)
	after := readsNow()
	waitFor(t, 10*time.Second, "reads with one standby down", func() bool { return readsNow() > after+500 })
	if err := rs.standbys[0].Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, true, true)
	back := p.Stats().Replicas[0].Reads
	waitFor(t, 10*time.Second, "reads on the standby that came back", func() bool { return p.Stats().Replicas[0].Reads > back+100 })
	close(stop)
	wg.Wait()

	st := p.Stats()
	t.Logf("%d reads, %d failed; retried elsewhere %d; on the primary %d", reads, failures, st.Replicas[0].Retried, st.ReadsOnPrimary)
	if failures != 0 {
		t.Errorf("%d of %d reads failed, first: %v", failures, reads, firstErr)
	}
	if st.ReadsOnPrimary != 0 {
		t.Errorf("%d reads ran on the primary", st.ReadsOnPrimary)
	}
}
