package resilience_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/pool"
)

// TestReplicaReadFailingOnEveryStandbyFallsBack: a read that failed on
// standbys as many times as the pool has standbys runs on the primary
// with FallbackToPrimary, however the standbys are rated meanwhile. It
// failed with the last standby's error before: the retries counted
// attempts, and a standby back since a read failed on it took it again.
//
// Two members, A and B, are one standby behind two faultproxies: a
// network that flaps. B is partitioned, so that the reads given to it
// hang; A is partitioned too and its connections cut, so that the reads
// in flight on A fail and go to B (first failure). Once A is usable again
// it is partitioned and B's connections are cut: the reads hanging on B fail
// (second failure) and go to A, the only standby usable. Cutting A's
// connections fails them a third time. Every read must still succeed, on
// the primary.
func TestReplicaReadFailingOnEveryStandbyFallsBack(t *testing.T) {
	ctx := testContext(t)
	primary, standby, db := withStandby(t, ctx, itemsTable)
	var proxies [2]*faultproxy.Proxy
	var dsns []string
	for i := range proxies {
		proxy, dsn := behindProxy(t, standby, db)
		proxies[i], dsns = proxy, append(dsns, dsn)
	}
	a, b := proxies[0], proxies[1]
	portA, portB := portOf(t, a.Addr()), portOf(t, b.Addr())

	leaks := leakCheck(t)
	p := openPool(t, ctx, primary.DatabaseDSN(db), pool.Options{Size: 2, MaxSize: 8,
		// Finds A's idle connections cut with the busy ones, so that
		// none is left for the reads coming back to A.
		HealthCheckPeriod: 100 * time.Millisecond,
		Replicas: pool.ReplicaOptions{
			Standbys: dsns,
			// A connection for every reader, kept open: the reads that
			// go back to A find one each, none waits in its queue.
			Size: 8, MaxSize: 8,
			CheckPeriod:       50 * time.Millisecond,
			FallbackToPrimary: true,
		}})
	r := &replicaReaders{pool: p, readers: 6, query: "SELECT count(*), inet_server_port() FROM items", afterFailure: 2 * time.Millisecond}
	t.Cleanup(r.stop)
	t.Cleanup(a.Heal)
	t.Cleanup(b.Heal)
	waitFor(t, 30*time.Second, "both standbys to be usable", func() bool {
		return member(t, p, portA).Usable && member(t, p, portB).Usable
	})
	r.start(ctx)
	waitFor(t, 30*time.Second, "reads on both standbys", func() bool {
		return member(t, p, portA).Reads >= 100 && member(t, p, portB).Reads >= 100
	})

	// First failure: cut on A, the reads go to B and hang there.
	b.Blackhole()
	waitFor(t, 10*time.Second, "reads to hang on B while others run on A", func() bool {
		return member(t, p, portB).InFlight > 0 && member(t, p, portA).InFlight > 0
	})
	// The reads on A hang too, so that the cut finds reads written on
	// it (a cut finding A's connections idle fails nothing: they are seen
	// dead before anything is written to them).
	a.Blackhole()
	waitFor(t, 10*time.Second, "reads to hang on A", func() bool {
		m := member(t, p, portA)
		return !m.Usable && m.InFlight > 0
	})
	start := time.Now()
	a.CutAll()
	a.Heal()
	waitFor(t, 10*time.Second, "the reads cut on A to go to B", func() bool {
		m := member(t, p, portA)
		return m.Retried > 0 && m.InFlight == 0
	})
	movedToB := member(t, p, portA).Retried
	// A answers its checks again: a check made after the cut, not one
	// answered before it and classified since.
	waitFor(t, 20*time.Second, "A to be usable again", func() bool {
		m := member(t, p, portA)
		return m.Usable && m.Checked.After(start)
	})
	// The checks have a connection of their own, through A too.
	waitFor(t, 20*time.Second, "A's pool to hold no connection cut", func() bool {
		m := member(t, p, portA)
		return m.Usable && m.Pool.Free+m.Pool.Busy == m.Pool.Size && int64(m.Pool.Size)+1 == a.Stats().Active
	})

	// Second failure: cut on B, the reads go to A and hang there.
	a.Blackhole()
	b.Refuse()
	b.CutAll()
	waitFor(t, 10*time.Second, "the reads cut on B to go to A", func() bool {
		return member(t, p, portB).InFlight == 0 && member(t, p, portA).InFlight > 0
	})
	movedToA := member(t, p, portA).InFlight

	// Third failure: cut on A.
	a.Refuse()
	a.CutAll()
	a.Heal()
	b.Heal()
	waitFor(t, 10*time.Second, "no read left on the standbys", func() bool {
		return member(t, p, portA).InFlight == 0 && member(t, p, portB).InFlight == 0
	})
	now := time.Now()
	waitFor(t, 10*time.Second, "reads to run on the primary", func() bool { return r.succeededAfter(now) })
	r.stop()
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for _, proxy := range proxies {
		proxy.Close()
	}
	leaks()

	var failed int
	for _, o := range r.snapshot() {
		if o.err == nil && !o.hung {
			continue
		}
		if failed++; failed <= 10 {
			t.Errorf("reader %d: a read started %v after the first cut failed despite FallbackToPrimary: %v",
				o.reader, o.start.Sub(start).Round(time.Millisecond), o.err)
		}
	}
	if failed > 0 {
		t.Errorf("%d reads failed with FallbackToPrimary; want every read no standby could serve run on the primary", failed)
	}
	report(t, "replica_every_standby_failed", "reads=%d failed=%d moved_A_to_B=%d moved_B_to_A=%d retried A=%d B=%d reads_on_primary=%d",
		len(r.snapshot()), failed, movedToB, movedToA, st.Replicas[0].Retried, st.Replicas[1].Retried, st.ReadsOnPrimary)
}

// TestReplicaReadsQueuedOnLostStandbyMoveOn: calls waiting in a pool's
// queue at MaxSize when its connections break and the server cannot be
// reached again fail fast, as new calls do, instead of waiting for their
// deadline (they did: a failed dial failed only what it had been given).
// Through Replica, the reads queued on a standby's pool when the standby
// is lost move to the primary.
//
// The standby is behind a faultproxy; its pool has 2 connections for 8
// readers, so reads queue. The standby is partitioned (the reads in flight
// hang, the others queue), then cut off for good (its connections closed,
// new ones refused). Every read must succeed, on the primary.
func TestReplicaReadsQueuedOnLostStandbyMoveOn(t *testing.T) {
	ctx := testContext(t)
	primary, standby, db := withStandby(t, ctx, itemsTable)
	proxy, dsn := behindProxy(t, standby, db)
	port := portOf(t, proxy.Addr())

	leaks := leakCheck(t)
	p := openPool(t, ctx, primary.DatabaseDSN(db), pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys:          []string{dsn},
		Size:              1,
		MaxSize:           2,
		CheckPeriod:       50 * time.Millisecond,
		FallbackToPrimary: true,
	}})
	// A read lasts 2ms: a slow statement to the pool, never pipelined
	// behind another, so that the readers beyond 2 wait in the queue.
	r := &replicaReaders{pool: p, readers: 8, query: "SELECT count(*), inet_server_port() FROM items, pg_sleep(0.002)", afterFailure: 2 * time.Millisecond}
	t.Cleanup(r.stop)
	t.Cleanup(proxy.Heal)
	waitFor(t, 30*time.Second, "the standby to be usable", func() bool { return member(t, p, port).Usable })
	r.start(ctx)
	waitFor(t, 30*time.Second, "reads on the standby", func() bool { return member(t, p, port).Reads >= 100 })

	proxy.Blackhole()
	waitFor(t, 10*time.Second, "reads to queue on the partitioned standby", func() bool { return member(t, p, port).Pool.Waiting > 0 })
	queued := member(t, p, port).Pool.Waiting
	proxy.Refuse()
	proxy.CutAll()
	proxy.Heal()
	lost := time.Now()
	// Bounded by the reads' own deadline: they all end by then, served or
	// not; whether they were served is what is asserted.
	waitFor(t, readTimeout+hangAfter, "no read left on the lost standby", func() bool { return member(t, p, port).InFlight == 0 })
	drained := time.Since(lost)
	r.stop()
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	proxy.Close()
	leaks()

	var failed, deadline int
	for _, o := range r.snapshot() {
		if o.err == nil && !o.hung {
			continue
		}
		failed++
		if errors.Is(o.err, context.DeadlineExceeded) {
			deadline++
		}
		if failed <= 10 {
			t.Errorf("reader %d: a read started %v after the standby was lost failed after %v despite FallbackToPrimary: %v",
				o.reader, o.start.Sub(lost).Round(time.Millisecond), o.end.Sub(o.start).Round(time.Millisecond), o.err)
		}
	}
	if failed > 0 {
		t.Errorf("%d reads failed (%d ran into their %v deadline); want every read the lost standby could not serve run on the primary", failed, deadline, readTimeout)
	}
	m := st.Replicas[0]
	report(t, "replica_queued_on_lost_standby", "reads=%d queued_at_loss=%d failed=%d deadline=%d drained_after=%v retried=%d reads_on_primary=%d standby_gate=%+v",
		len(r.snapshot()), queued, failed, deadline, drained.Round(time.Millisecond), m.Retried, st.ReadsOnPrimary, m.Pool.Gate)
}
