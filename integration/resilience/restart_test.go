package resilience_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// Restart and crash scenarios: 32 callers for 10s, the server taken down
// twice, at 2s and 6s.
const (
	loadCallers  = 32
	loadDuration = 10 * time.Second
)

var disruptionsAt = []time.Duration{2 * time.Second, 6 * time.Second}

// TestRestartUnderLoad restarts the server (fast shutdown) twice under load.
func TestRestartUnderLoad(t *testing.T) {
	underLoad(t, "restart", func(ctx context.Context, srv *pgtest.Server) error {
		return srv.Stop(ctx, pgtest.ShutdownFast)
	})
}

// TestCrashUnderLoad kills the postmaster with SIGKILL twice under load;
// each start runs crash recovery.
func TestCrashUnderLoad(t *testing.T) {
	underLoad(t, "crash", func(_ context.Context, srv *pgtest.Server) error {
		return srv.Kill()
	})
}

// underLoad runs the workload against a private server, takes the server
// down with down and starts it again at each of disruptionsAt, then checks
// the ledger, the recovery times and goroutines.
func underLoad(t *testing.T, scenario string, down func(context.Context, *pgtest.Server) error) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	dsn := srv.NewDatabase(t)
	db := databaseName(t, dsn)
	execAdmin(t, ctx, srv, db, createOps)

	leaks := leakCheck(t)
	p, err := pool.Open(ctx, withParams(t, dsn, "connect_timeout", "2"), pool.Options{Size: 4, MaxSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	w := &workload{pool: p, callers: loadCallers, opTimeout: 5 * time.Second, afterFailure: 5 * time.Millisecond}
	begin := time.Now()
	w.start(ctx)

	var ups, downs []time.Time
	var downtime []time.Duration
	for i, at := range disruptionsAt {
		sleepUntil(begin.Add(at))
		if i > 0 {
			// The scenario's schedule, but never before every caller was
			// served again: a slow recovery on a loaded machine must not
			// run into the next disruption.
			waitFor(t, 30*time.Second, "every caller to be served again", func() bool {
				return w.ledger.servedAgain(loadCallers, ups[i-1])
			})
		}
		d := time.Now()
		if err := down(ctx, srv); err != nil {
			w.finish()
			p.Close()
			t.Fatalf("%s: %v", scenario, err)
		}
		if err := srv.Start(ctx); err != nil {
			w.finish()
			p.Close()
			t.Fatalf("start after %s: %v", scenario, err)
		}
		up := time.Now()
		downs, ups = append(downs, d), append(ups, up)
		downtime = append(downtime, up.Sub(d))
	}
	sleepUntil(begin.Add(loadDuration))
	waitFor(t, 30*time.Second, "every caller to be served after the last disruption", func() bool {
		return w.ledger.servedAgain(loadCallers, ups[len(ups)-1])
	})
	ops := w.finish()
	end := time.Now()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	var full, first []time.Duration
	for i, up := range ups {
		until := end
		if i+1 < len(downs) {
			until = downs[i+1]
		}
		f, fo := recovery(t, ops, loadCallers, up, until)
		full, first = append(full, f), append(first, fo)
		if f > recoveryBound {
			t.Errorf("%s %d: full service %v after the server accepted connections again, want <= %v",
				scenario, i+1, f, recoveryBound)
		}
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	report(t, scenario, "%v downtime=%v first_ok=%v recovery=%v bound=%v run=%v",
		check, round(downtime), round(first), round(full), recoveryBound, end.Sub(begin).Round(time.Millisecond))
}

func round(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
