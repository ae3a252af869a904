package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestStatsQueueCounts: with MaxSize 1 taken by a Conn, callers queue in
// the pool; each way out of the queue (served, AcquireTimeout, the
// caller's context) is counted once, for statements and for GetConn and
// Acquire alike, and the time spent waiting adds up.
func TestStatsQueueCounts(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	const timeout = 200 * time.Millisecond
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1, AcquireTimeout: timeout, HealthCheckPeriod: -1, MaxLifetime: -1})
	queue := func() pool.QueueCounts { return p.Stats().Queue }

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q := queue(); q != (pool.QueueCounts{Acquires: 1}) {
		t.Fatalf("after Acquire: %+v, want 1 acquire and no wait", q)
	}

	// A statement whose caller gives up, one that times out.
	gaveUp, giveUp := context.WithCancel(ctx)
	fa := p.Execute(gaveUp, "SELECT 1")
	fb := p.Execute(ctx, "SELECT 2")
	waitFor(t, 5*time.Second, "two statements to queue", func() bool { return p.Stats().Waiting == 2 })
	giveUp()
	if _, err := fa.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled statement: %v, want context.Canceled", err)
	}
	if _, err := fb.Await(ctx); !errors.Is(err, pool.ErrAcquireTimeout) {
		t.Fatalf("queued statement: %v, want ErrAcquireTimeout", err)
	}
	// The same two ways out for callers wanting a connection of their own.
	if _, err := p.Acquire(ctx); !errors.Is(err, pool.ErrAcquireTimeout) {
		t.Fatalf("Acquire: %v, want ErrAcquireTimeout", err)
	}
	gaveUp, giveUp = context.WithCancel(ctx)
	fc := p.GetConn(gaveUp)
	waitFor(t, 5*time.Second, "GetConn to queue", func() bool { return p.Stats().Waiting == 1 })
	giveUp()
	if _, err := fc.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled GetConn: %v, want context.Canceled", err)
	}
	waitFor(t, 5*time.Second, "the cancelled GetConn to leave the queue", func() bool { return p.Stats().Waiting == 0 })

	// One served: a GetConn waiting when the Conn is put back.
	fd := p.GetConn(ctx)
	waitFor(t, 5*time.Second, "GetConn to queue", func() bool { return p.Stats().Waiting == 1 })
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	d := await(t, ctx, fd)
	if err := p.PutConn(d); err != nil {
		t.Fatal(err)
	}

	q := queue()
	waitTime := q.WaitTime
	q.WaitTime = 0
	if want := (pool.QueueCounts{Acquires: 2, Waits: 5, Timeouts: 2, Cancelled: 2}); q != want {
		t.Errorf("queue counts %+v, want %+v", q, want)
	}
	// Two waits lasted AcquireTimeout each.
	if waitTime < 2*timeout || waitTime > testTimeout {
		t.Errorf("wait time %v, want at least %v", waitTime, 2*timeout)
	}
}

// TestStatsOpensAndShrink: a pool that stretched to 3 connections opened
// 3 and, with AutoShrink, closes the 2 above its floor, counted as
// shrinks.
func TestStatsOpensAndShrink(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 3, AutoShrink: true, ShrinkDelay: 100 * time.Millisecond,
		ShrinkPeriod: 20 * time.Millisecond, HealthCheckPeriod: -1, MaxLifetime: -1})
	serversOf(t, ctx, p, 3)
	waitFor(t, 5*time.Second, "the pool to shrink to its floor", func() bool { return p.Stats().Closes.Shrink == 2 })
	s := p.Stats()
	if s.Opens != 3 || s.OpenFailures != 0 || s.Closes != (pool.CloseCounts{Shrink: 2}) || s.Total != 1 {
		t.Errorf("opens %d, open failures %d, closes %+v, total %d; want 3, 0, 2 shrinks, 1",
			s.Opens, s.OpenFailures, s.Closes, s.Total)
	}
	if s.Gate.Dials != 3 || s.Gate.DialFailures != 0 || s.Gate.Down {
		t.Errorf("gate %+v, want 3 dials, up", s.Gate)
	}
}

// TestStatsRetriedNeverSent: a statement given to a connection whose
// server process ended while it was idle fails its ping on acquire before
// anything is written, and goes to another connection: one retry, one
// broken close, nothing lost.
func TestStatsRetriedNeverSent(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	p := openPool(t, ctx, dsn+sep+"ping_after_idle=0", pool.Options{Size: 1, HealthCheckPeriod: -1, MaxLifetime: -1})
	terminate(t, ctx, dsn, serversOf(t, ctx, p, 1)[0])
	if got := execInt(t, ctx, p, "SELECT 1"); got != 1 {
		t.Fatalf("SELECT 1 = %d", got)
	}
	s := p.Stats()
	if s.Retried != 1 || s.Lost != 0 || s.Closes != (pool.CloseCounts{Broken: 1}) || s.Opens != 2 {
		t.Errorf("retried %d, lost %d, closes %+v, opens %d; want 1, 0, 1 broken, 2", s.Retried, s.Lost, s.Closes, s.Opens)
	}
}

// TestStatsRestart: a statement in flight when the server stops is lost
// (driver.ErrConnectionLost) and counted; while the server is down the
// gate is closed, since the first failed dial, and calls fail fast; once
// it is back the gate opens and the pool serves again.
func TestStatsRestart(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	dsn := srv.NewDatabase(t)
	const interval = time.Second
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, ReconnectInterval: interval, HealthCheckPeriod: -1, MaxLifetime: -1})

	inFlight := p.Execute(ctx, "SELECT pg_sleep(30)")
	// Running on the server, not only given to a connection (it may be
	// waiting for its Prepare).
	waitFor(t, 5*time.Second, "the statement to run", func() bool {
		return runningOnServer(t, ctx, srv, databaseName(t, dsn), "pg_sleep(30)")
	})
	stopped := time.Now()
	if err := srv.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	if _, err := inFlight.Await(ctx); !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("statement in flight: %v, want ErrConnectionLost", err)
	}
	// The first call dials and finds the server down; those within the
	// interval that follows fail without dialing.
	waitFor(t, 10*time.Second, "the gate to close", func() bool {
		_, err := p.Execute(ctx, "SELECT 1").Await(ctx)
		return errors.Is(err, driver.ErrDatabaseNotAvailable) && p.Stats().Gate.Down
	})
	before := p.Stats()
	if _, err := p.Execute(ctx, "SELECT 1").Await(ctx); !errors.Is(err, driver.ErrDatabaseNotAvailable) {
		t.Fatalf("call while down: %v, want ErrDatabaseNotAvailable", err)
	}
	down := p.Stats()
	if down.Lost != 1 || down.Closes.Broken != 1 {
		t.Errorf("lost %d, broken closes %d; want 1 and 1", down.Lost, down.Closes.Broken)
	}
	if g := down.Gate; g.DownSince.Before(stopped) || g.DialFailures < 1 || g.FastFailures <= before.Gate.FastFailures {
		t.Errorf("gate while down %+v (before the last call %+v): want down since the stop, a dial failure and one more fast failure", g, before.Gate)
	}
	if down.OpenFailures <= before.OpenFailures {
		t.Errorf("open failures %d then %d: the fast failure was not counted", before.OpenFailures, down.OpenFailures)
	}

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the pool to serve again", func() bool {
		_, err := p.Execute(ctx, "SELECT 1").Await(ctx)
		return err == nil
	})
	if g := p.Stats().Gate; g.Down || !g.DownSince.IsZero() {
		t.Errorf("gate after the restart %+v, want open", g)
	}
}
