package resilience_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReplicaStandbyStoppedUnderLoad stops the only standby of two pools
// while readers read through their Replica views, then starts it again.
// The pool with FallbackToPrimary must fail no read: reads the standby
// cannot take, or that it broke under, run on the primary. The pool
// without it must fail reads only with ErrNoReplica, at once, never
// hanging, and read from the standby again once it is back.
func TestReplicaStandbyStoppedUnderLoad(t *testing.T) {
	ctx := testContext(t)
	primary, standby, db := withStandby(t, ctx, itemsTable)
	standbyPort := portOf(t, standby.Addr())

	leaks := leakCheck(t)
	type side struct {
		name     string
		fallback bool
		p        *pool.Pool
		r        *replicaReaders
	}
	sides := []*side{{name: "fallback", fallback: true}, {name: "no_fallback"}}
	for _, s := range sides {
		s.p = openPool(t, ctx, primary.DatabaseDSN(db), pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
			Standbys:          []string{standby.DatabaseDSN(db)},
			CheckPeriod:       50 * time.Millisecond,
			FallbackToPrimary: s.fallback,
		}})
		s.r = &replicaReaders{pool: s.p, readers: 8, query: "SELECT count(*), inet_server_port() FROM items", afterFailure: 2 * time.Millisecond}
		// Registered after the pool's Close: runs before it.
		t.Cleanup(s.r.stop)
	}
	for _, s := range sides {
		waitFor(t, 30*time.Second, s.name+": the standby to be usable", func() bool { return member(t, s.p, standbyPort).Usable })
	}
	for _, s := range sides {
		s.r.start(ctx)
	}
	waitFor(t, 30*time.Second, "reads on the standby before it stops", func() bool {
		for _, s := range sides {
			if s.r.completed.Load() < 300 || member(t, s.p, standbyPort).Reads < 300 {
				return false
			}
		}
		return true
	})

	stopping := time.Now()
	if err := standby.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	stopTook := time.Since(stopping)
	waitFor(t, 20*time.Second, "both pools to take the stopped standby out", func() bool {
		for _, s := range sides {
			if m := member(t, s.p, standbyPort); m.Usable || m.Role != pool.RoleDown {
				return false
			}
		}
		return true
	})
	outSeen := time.Since(stopping)
	var marks [2]int64
	for i, s := range sides {
		marks[i] = s.r.completed.Load()
	}
	waitFor(t, 30*time.Second, "300 more reads on each pool while the standby is down", func() bool {
		for i, s := range sides {
			if s.r.completed.Load() < marks[i]+300 {
				return false
			}
		}
		return true
	})
	for _, s := range sides {
		if m := member(t, s.p, standbyPort); m.Usable || m.Role != pool.RoleDown {
			t.Errorf("%s: the stopped standby is %v, usable %v; want down", s.name, m.Role, m.Usable)
		}
	}

	starting := time.Now()
	if err := standby.Start(ctx); err != nil {
		t.Fatal(err)
	}
	startTook := time.Since(starting)
	waitFor(t, 30*time.Second, "both pools to take the restarted standby back", func() bool {
		for _, s := range sides {
			if !member(t, s.p, standbyPort).Usable {
				return false
			}
		}
		return true
	})
	back := time.Now()
	var readsAtBack [2]uint64
	for i, s := range sides {
		readsAtBack[i] = member(t, s.p, standbyPort).Reads
	}
	waitFor(t, 30*time.Second, "reads to reach the restarted standby", func() bool {
		for i, s := range sides {
			if member(t, s.p, standbyPort).Reads <= readsAtBack[i] || !s.r.succeededAfter(back) {
				return false
			}
		}
		return true
	})
	usableAgain := back.Sub(starting)

	stats := make([]pool.Stats, len(sides))
	for i, s := range sides {
		s.r.stop()
		stats[i] = s.p.Stats()
		if err := s.p.Close(); err != nil {
			t.Errorf("%s: Close: %v", s.name, err)
		}
	}
	leaks()

	for i, s := range sides {
		ops := s.r.snapshot()
		counts := countReads(ops, stopping, back)
		var failed, hung, deadline, other int
		var failedLatency []time.Duration
		onStandby := 0
		for _, o := range ops {
			if o.err == nil && !o.hung && o.port == standbyPort {
				onStandby++
			}
			if o.err == nil && !o.hung {
				continue
			}
			failed++
			failedLatency = append(failedLatency, o.end.Sub(o.start))
			switch {
			case o.hung:
				hung++
				t.Errorf("%s: reader %d: a read started at %s did not resolve within %v of its deadline",
					s.name, o.reader, o.start.Format("15:04:05.000"), hangAfter)
			case errors.Is(o.err, context.DeadlineExceeded):
				deadline++
				if deadline <= 5 {
					t.Errorf("%s: reader %d: a read ran into its %v deadline: %v", s.name, o.reader, readTimeout, o.err)
				}
			case s.fallback || !errors.Is(o.err, pool.ErrNoReplica):
				other++
				if other <= 10 {
					t.Errorf("%s: reader %d: read started at %s (%v after the stop began) failed: %v",
						s.name, o.reader, o.start.Format("15:04:05.000"), o.start.Sub(stopping).Round(time.Millisecond), o.err)
				}
			}
		}
		st := stats[i]
		m := st.Replicas[0]
		if s.fallback {
			if st.ReadsOnPrimary == 0 {
				t.Errorf("%s: no read fell back to the primary while the standby was down", s.name)
			}
		} else {
			if failed == 0 {
				t.Errorf("%s: no read failed while the standby was down", s.name)
			}
			if st.ReadsOnPrimary != 0 {
				t.Errorf("%s: %d reads ran on the primary without FallbackToPrimary", s.name, st.ReadsOnPrimary)
			}
		}
		if other > 10 || deadline > 5 {
			t.Errorf("%s: %d reads failed with an unexpected error, %d ran into their deadline", s.name, other, deadline)
		}
		report(t, "replica_standby_stopped", "pool=%s %v on_standby=%d reads_on_primary=%d standby_reads=%d retried=%d failed=%d hung=%d deadline=%d unexpected=%d failed_latency_p50=%v p99=%v max=%v standby_stop=%v out_after=%v standby_start=%v usable_after_start=%v",
			s.name, counts, onStandby, st.ReadsOnPrimary, m.Reads, m.Retried, failed, hung, deadline, other,
			percentile(failedLatency, 50), percentile(failedLatency, 99), percentile(failedLatency, 100),
			stopTook.Round(time.Millisecond), outSeen.Round(time.Millisecond), startTook.Round(time.Millisecond), usableAgain.Round(time.Millisecond))
	}
}
