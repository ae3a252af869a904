package resilience_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReplicaFailoverReadsAndWrites is TestFailover with readers: the
// pool's primary DSN names the primary and its standby with
// target_session_attrs=read-write, and the same DSN gives it its
// standbys, so that the primary's host is classified primary and takes
// no replica reads. Writers and replica readers run while the primary
// stops and the standby is promoted. Writes must resume on the promoted
// server with every acknowledged one there exactly once; no read may
// fail, and once the promoted host is classified primary, reads run on
// the primary as fallback reads.
func TestReplicaFailoverReadsAndWrites(t *testing.T) {
	ctx := testContext(t)
	primary, standby, db := withStandby(t, ctx, createOps)
	makeSynchronous(t, ctx, primary)
	primaryPort, standbyPort := portOf(t, primary.Addr()), portOf(t, standby.Addr())

	dsn, err := pgtest.WithAddr(primary.DatabaseDSN(db), primary.Addr()+","+standby.Addr())
	if err != nil {
		t.Fatal(err)
	}
	dsn = withParams(t, dsn, "target_session_attrs", "read-write", "connect_timeout", "2")
	leaks := leakCheck(t)
	// The checks may be slow and the lag long without the standby being
	// taken out: a check round's timeout grows with CheckPeriod (1s for
	// a period of 50ms, which a busy machine can exceed), and the lag is
	// told in time, which a busy machine stretches. A standby the pool
	// took out would send reads to the stopped primary, where they fail
	// by design; the promise under test is where reads go while the
	// standby is up.
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys:          []string{dsn},
		CheckPeriod:       5 * time.Second,
		MaxReplicaLag:     -1,
		FallbackToPrimary: true,
	}})
	if n := len(p.Stats().Replicas); n != 2 {
		t.Fatalf("the multi-host DSN made %d standbys, want 2 (one per host)", n)
	}
	waitFor(t, 30*time.Second, "the standby to be usable and the primary's host classified primary", func() bool {
		return member(t, p, standbyPort).Usable && member(t, p, primaryPort).Role == pool.RolePrimary
	})
	if m := member(t, p, primaryPort); m.Usable {
		t.Errorf("the primary's host takes replica reads: %+v", m)
	}
	if port := serverPort(t, ctx, p); port != primaryPort {
		t.Fatalf("before the failover the pool writes to port %d, want the primary's %d", port, primaryPort)
	}

	const writers = 4
	w := &workload{pool: p, callers: writers, opTimeout: 5 * time.Second, afterFailure: 5 * time.Millisecond}
	r := &replicaReaders{pool: p, readers: 4, query: "SELECT count(*), inet_server_port() FROM ops", afterFailure: 5 * time.Millisecond}
	var finishWrites sync.Once
	var ops []op
	stopWrites := func() { finishWrites.Do(func() { ops = w.finish() }) }
	// Registered after the pool's Close: run before it.
	t.Cleanup(stopWrites)
	t.Cleanup(r.stop)
	w.start(ctx)
	r.start(ctx)
	waitFor(t, 30*time.Second, "writes and standby reads before the failover", func() bool {
		acked := 0
		for _, o := range w.ledger.snapshot() {
			if o.kind == opInsert && o.err == nil {
				acked++
			}
		}
		return acked >= 300 && member(t, p, standbyPort).Reads >= 300
	})

	stopping := time.Now()
	if err := primary.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	stopTook := time.Since(stopping)
	promoteStart := time.Now()
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	promoted := time.Now()
	waitFor(t, 30*time.Second, "writes to resume", func() bool { return insertedAfter(w.ledger.snapshot(), promoted) })
	waitFor(t, 30*time.Second, "reads to resume", func() bool { return r.succeededAfter(promoted) })
	waitFor(t, 30*time.Second, "the promoted host to be classified primary", func() bool {
		return member(t, p, standbyPort).Role == pool.RolePrimary
	})
	classified := time.Now()
	waitFor(t, 30*time.Second, "reads after the promoted host was classified", func() bool { return r.succeededAfter(classified) })
	r.stop()
	stopWrites()

	// Now that no standby is left, reads run on the primary, the
	// promoted server.
	st := p.Stats()
	for _, m := range st.Replicas {
		if m.Usable {
			t.Errorf("after the failover %s (role %v) still takes replica reads", m.Name, m.Role)
		}
	}
	if m := member(t, p, primaryPort); m.Role != pool.RoleDown {
		t.Errorf("the stopped primary's host is %v, want down", m.Role)
	}
	const reads = 50
	for i := range reads {
		cur, err := p.Replica().Execute(ctx, "SELECT count(*), inet_server_port() FROM ops").Await(ctx)
		var n int64
		var port int
		if err == nil {
			err = cur.FetchOne(&n, &port)
		}
		if err != nil {
			t.Fatalf("read %d after the failover: %v", i, err)
		}
		if port != standbyPort {
			t.Errorf("read %d after the failover ran on port %d, want the promoted server's %d", i, port, standbyPort)
		}
	}
	after := p.Stats()
	if got := after.ReadsOnPrimary - st.ReadsOnPrimary; got != reads {
		t.Errorf("%d reads after the failover: ReadsOnPrimary grew by %d, want %d", reads, got, reads)
	}
	for i, m := range after.Replicas {
		if m.Reads != st.Replicas[i].Reads {
			t.Errorf("%s took %d reads after the failover, want none", m.Name, m.Reads-st.Replicas[i].Reads)
		}
	}

	port := serverPort(t, ctx, p)
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()
	if port != standbyPort {
		t.Errorf("after the failover the pool writes to port %d, want the promoted standby's %d", port, standbyPort)
	}

	// Writes.
	var ackedBefore int
	var firstWrite time.Time
	for _, o := range ops {
		if o.kind != opInsert || o.err != nil {
			continue
		}
		if o.end.Before(stopping) {
			ackedBefore++
		}
		if o.start.After(promoted) && (firstWrite.IsZero() || o.end.Before(firstWrite)) {
			firstWrite = o.end
		}
	}
	conn, err := pgx.Connect(ctx, standby.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	if ackedBefore == 0 {
		t.Error("no write was acknowledged before the failover")
	}

	// Reads.
	readOps := r.snapshot()
	counts := countReads(readOps, stopping, classified)
	var firstRead time.Time
	byPort := map[int]int{}
	readErrs := map[driver.Class]int{}
	var unexpected int
	for _, o := range readOps {
		if o.err == nil && !o.hung {
			byPort[o.port]++
			if o.start.After(promoted) && (firstRead.IsZero() || o.end.Before(firstRead)) {
				firstRead = o.end
			}
			continue
		}
		switch {
		case o.hung:
			t.Errorf("reader %d: a read started at %s did not resolve within %v of its deadline", o.reader, o.start.Format("15:04:05.000"), hangAfter)
		case errors.Is(o.err, context.DeadlineExceeded):
			t.Errorf("reader %d: a read ran into its %v deadline: %v", o.reader, readTimeout, o.err)
		case o.start.Before(stopping):
			t.Errorf("reader %d: a read failed before the failover: %v", o.reader, o.err)
		default:
			// Before the promotion the standby serves the reads; after
			// it, the promoted server does, through the primary's pool,
			// or through the standby's own sessions while that pool
			// still fails fast for the old primary.
			readErrs[driver.Classify(o.err)]++
			if unexpected++; unexpected <= 10 {
				t.Errorf("reader %d: read started %v after the primary's stop began failed (class %v): %v",
					o.reader, o.start.Sub(stopping).Round(time.Millisecond), driver.Classify(o.err), o.err)
			}
		}
	}
	report(t, "replica_failover", "%v acked_before_failover=%d | %v read_error_classes=%v reads_by_port=%v (primary %d, standby %d) reads_on_primary=%d | primary_stop=%v promote=%v first_write_after_promote=%v first_read_after_promote=%v classified_primary_after_promote=%v",
		check, ackedBefore, counts, readErrs, byPort, primaryPort, standbyPort, after.ReadsOnPrimary,
		stopTook.Round(time.Millisecond), promoted.Sub(promoteStart).Round(time.Millisecond),
		firstWrite.Sub(promoted).Round(time.Millisecond), firstRead.Sub(promoted).Round(time.Millisecond),
		classified.Sub(promoted).Round(time.Millisecond))
}
