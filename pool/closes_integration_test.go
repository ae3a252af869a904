package pool_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestLifetimeRetiresIdleConnections: connections idle when their
// lifetime ends are closed then, not at their next use, and replaced at
// once, so that the floor holds and the next call runs on a new server
// process.
func TestLifetimeRetiresIdleConnections(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxLifetime: 300 * time.Millisecond, MaxLifetimeJitter: -1, HealthCheckPeriod: -1})
	before := serversOf(t, ctx, p, 2)
	waitFor(t, 5*time.Second, "both connections to be replaced", func() bool {
		s := p.Stats()
		return s.Closes.Lifetime >= 2 && s.Free == 2
	})
	if s := p.Stats(); s.Total != 2 || s.Dead != 0 {
		t.Errorf("after the replacements %v, want 2 connections", s)
	}
	for _, pid := range serversOf(t, ctx, p, 2) {
		if slices.Contains(before, pid) {
			t.Errorf("server process %d outlived its connection's lifetime", pid)
		}
	}
}

// TestHealthCheckKeepsHealthyConnectionsAndFindsDeadOnes: health checks
// every 20ms neither close healthy connections nor make idle ones look
// used, so AutoShrink still closes them (Closes.Shrink); a connection
// whose server process was ended while it sat idle is found by the health
// check and replaced at once, and the next call runs on the replacement.
func TestHealthCheckKeepsHealthyConnectionsAndFindsDeadOnes(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 3, AutoShrink: true, ShrinkDelay: 200 * time.Millisecond,
		ShrinkPeriod: 20 * time.Millisecond, HealthCheckPeriod: 20 * time.Millisecond, PingAfterIdle: -1, MaxLifetime: -1})
	serversOf(t, ctx, p, 3)
	waitFor(t, 5*time.Second, "the pool to shrink to its floor", func() bool { return p.Stats().Closes.Shrink == 2 })
	if s := p.Stats(); s.Total != 1 || s.Closes.HealthCheck != 0 || s.Closes.Broken != 0 {
		t.Fatalf("after shrinking: %v %+v", s, s.Closes)
	}

	pid := serversOf(t, ctx, p, 1)[0]
	terminate(t, ctx, dsn, pid)
	waitFor(t, 5*time.Second, "the health check to replace the connection", func() bool {
		s := p.Stats()
		return s.Closes.HealthCheck == 1 && s.Free == 1
	})
	if got := serversOf(t, ctx, p, 1)[0]; got == pid {
		t.Fatalf("a call ran on the terminated server process %d", pid)
	}
	// The last call may have found the one connection in a health check
	// and opened another, which AutoShrink closes in its turn: more
	// shrinks are fine, other closes are not.
	if c := p.Stats().Closes; c.HealthCheck != 1 || c.Broken != 0 || c.Lifetime != 0 || c.Shrink < 2 {
		t.Errorf("closes %+v, want health check 1, shrink 2 or more, nothing else", c)
	}
}

// TestPingOnAcquireCountsBroken: without the health check, the ping on
// acquire finds a connection whose server process ended; it is counted as
// broken, and the call goes to another connection.
func TestPingOnAcquireCountsBroken(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	p := openPool(t, ctx, dsn+sep+"ping_after_idle=0", pool.Options{Size: 1, HealthCheckPeriod: -1, MaxLifetime: -1})
	pid := serversOf(t, ctx, p, 1)[0]
	terminate(t, ctx, dsn, pid)
	if got := serversOf(t, ctx, p, 1)[0]; got == pid {
		t.Fatalf("a call ran on the terminated server process %d", pid)
	}
	if c := p.Stats().Closes; c != (pool.CloseCounts{Broken: 1}) {
		t.Errorf("closes %+v, want broken 1", c)
	}
}

// terminate ends server process pid and waits until it is gone.
func terminate(t *testing.T, ctx context.Context, dsn string, pid int) {
	t.Helper()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the server process to end", func() bool {
		var n int
		err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n)
		return err == nil && n == 0
	})
}

// serversOf runs n statements at once on the pool, each long enough
// to need a connection of its own, and returns their server processes.
func serversOf(t *testing.T, ctx context.Context, p *pool.Pool, n int) []int {
	t.Helper()
	var fs []*future.Future[*pool.Cursor]
	for range n {
		fs = append(fs, p.Execute(ctx, "SELECT pg_backend_pid() FROM pg_sleep(0.1)"))
	}
	var pids []int
	for _, f := range fs {
		var pid int
		if err := await(t, ctx, f).FetchOne(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}
