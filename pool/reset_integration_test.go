package pool_test

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// waitReset waits until the pool has closed closes connections for Reset
// in all and is back at its floor of size, dialed and nothing else.
func waitReset(t *testing.T, p *pool.Pool, closes uint64, size int) {
	t.Helper()
	waitFor(t, 10*time.Second, "the pool to replace its connections", func() bool {
		s := p.Stats()
		return s.Closes.Reset == closes && s.Total == size && s.Pending == 0 && s.Dead == 0
	})
}

// resetOptions leave nothing but Reset to close connections, and nothing
// but Reset's replacements to refill the floor: the repair every
// ReconnectInterval would refill it too, later.
func resetOptions(size, maxSize int) pool.Options {
	return pool.Options{Size: size, MaxSize: maxSize, ReconnectInterval: time.Hour, HealthCheckPeriod: -1, MaxLifetime: -1}
}

// serverPIDs waits until the server shows n backends for the pool's
// database (those of closed connections have exited) and returns them.
func serverPIDs(t *testing.T, ctx context.Context, srv *pgtest.Server, database string, n int) []int {
	t.Helper()
	waitBackends(t, ctx, srv, database, n)
	pids, err := backendPIDs(ctx, srv, database)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

func noneOf(t *testing.T, what string, got, old []int) {
	t.Helper()
	for _, pid := range got {
		if slices.Contains(old, pid) {
			t.Errorf("%s: server process %d outlived Reset (before: %v, after: %v)", what, pid, old, got)
		}
	}
}

// Six callers run Execute in a loop while Reset is called three times:
// no call fails, and each Reset replaces every connection that existed
// before it (no server process survives it), counts each under
// Closes.Reset and nothing else, and leaves the pool at its floor.
func TestResetUnderLoadReplacesEveryConnection(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	database := databaseName(t, dsn)
	const size = 3
	p := openPool(t, ctx, dsn, resetOptions(size, size))

	var calls atomic.Int64
	failed := make(chan error, 6)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := p.Execute(ctx, "SELECT pg_backend_pid()").Await(ctx); err != nil {
					failed <- err
					return
				}
				calls.Add(1)
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
		close(failed)
		for err := range failed {
			t.Errorf("a call failed: %v", err)
		}
	}()

	for round := uint64(1); round <= 3; round++ {
		before := serverPIDs(t, ctx, srv, database, size)
		from := calls.Load()
		waitFor(t, 10*time.Second, "calls on the pool", func() bool { return calls.Load() >= from+50 })
		p.Reset()
		waitReset(t, p, size*round, size)
		noneOf(t, "after Reset", serverPIDs(t, ctx, srv, database, size), before)
		if c := p.Stats().Closes; c != (pool.CloseCounts{Reset: size * round}) {
			t.Fatalf("closes %+v after %d resets, want only Reset %d", c, round, size*round)
		}
	}
	from := calls.Load()
	waitFor(t, 10*time.Second, "calls after the last Reset", func() bool { return calls.Load() >= from+50 })
}

// A Conn taken before Reset keeps its connection, transaction included,
// until it is put back; then that connection is closed, not reused, and
// replaced. The idle one is closed at once. Reset and each close are
// logged. Reset on a closed pool does nothing.
func TestResetClosesAConnWhenPutBack(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	database := databaseName(t, dsn)
	var log syncBuffer
	opts := resetOptions(2, 2)
	opts.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := openPool(t, ctx, dsn, opts)
	c := await(t, ctx, p.GetConn(ctx))
	pid := connPID(t, ctx, c)
	before := serverPIDs(t, ctx, srv, database, 2)

	p.Reset()
	waitReset(t, p, 1, 2) // the idle one, replaced
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	if got := connPID(t, ctx, c); got != pid {
		t.Fatalf("the Conn moved from server process %d to %d", pid, got)
	}
	await(t, ctx, c.Execute(ctx, "COMMIT"))
	if n := p.Stats().Closes.Reset; n != 1 {
		t.Fatalf("Closes.Reset = %d while the Conn is held, want 1 (the idle connection)", n)
	}

	p.PutConn(c)
	waitReset(t, p, 2, 2)
	noneOf(t, "after the Conn was put back", serverPIDs(t, ctx, srv, database, 2), before)
	noneOf(t, "calls after Reset", serversOf(t, ctx, p, 2), before)
	if !strings.Contains(log.String(), `msg="momoko: pool reset" connections=2`) ||
		strings.Count(log.String(), `msg="momoko: connection closed" cause=reset`) != 2 {
		t.Errorf("want Reset and its two closes logged; the log:\n%s", log.String())
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	if s := p.Stats(); s.Closes.Reset != 2 || !s.Closed {
		t.Fatalf("after Reset on the closed pool: %v, closes %+v", s, s.Closes)
	}
}

// A connection whose dial began before Reset and ended after it serves
// the GetConn that asked for it, then is closed when put back: the hook
// holds the dial until Reset has run.
func TestResetClosesAConnectionDialedAcrossIt(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	database := databaseName(t, dsn)
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var hold atomic.Pointer[chan struct{}]
	entered := make(chan struct{}, 1)
	cfg.BeforeConnect = func(ctx context.Context, _ *pgx.ConnConfig) error {
		if release := hold.Load(); release != nil {
			entered <- struct{}{}
			select {
			case <-*release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	p, err := pool.OpenWithConfig(ctx, cfg, resetOptions(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	held := await(t, ctx, p.GetConn(ctx))
	release := make(chan struct{})
	hold.Store(&release)
	dialing := p.GetConn(ctx)
	<-entered
	hold.Store(nil)
	p.Reset()
	close(release)
	c := await(t, ctx, dialing)
	pids := []int{connPID(t, ctx, held), connPID(t, ctx, c)}

	p.PutConn(c)
	waitReset(t, p, 1, 1)
	p.PutConn(held)
	waitReset(t, p, 2, 1)
	noneOf(t, "after both were put back", serverPIDs(t, ctx, srv, database, 1), pids)
}

// The idle connections of the pool's *sql.DB are closed by Reset; one a
// caller of DB() held through Reset and put back after is closed when
// the pool takes it from database/sql, instead of serving the pool.
func TestResetClosesTheConnectionsOfDB(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	database := databaseName(t, dsn)
	p := openPool(t, ctx, dsn, resetOptions(1, 3))
	held, idle := sqlConn(t, ctx, p), sqlConn(t, ctx, p)
	heldPID, idlePID := sqlConnPID(t, ctx, held), sqlConnPID(t, ctx, idle)
	idle.Close() // idle in database/sql's pool

	p.Reset()
	waitReset(t, p, 1, 1)
	waitFor(t, 10*time.Second, "database/sql's idle connection to close", func() bool {
		pids, err := backendPIDs(ctx, srv, database)
		return err == nil && !slices.Contains(pids, idlePID)
	})
	if got := sqlConnPID(t, ctx, held); got != heldPID {
		t.Fatalf("the held connection moved from %d to %d", heldPID, got)
	}
	held.Close() // back in database/sql's pool, dialed before Reset

	a := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(a)
	b := await(t, ctx, p.GetConn(ctx)) // a connection from database/sql
	defer p.PutConn(b)
	noneOf(t, "the pool's connections", []int{connPID(t, ctx, a), connPID(t, ctx, b)}, []int{heldPID, idlePID})
	if n := p.Stats().Closes.Reset; n != 2 {
		t.Fatalf("Closes.Reset = %d, want 2: the pool's idle connection and the one DB's caller held", n)
	}
	noneOf(t, "the server", serverPIDs(t, ctx, srv, database, 2), []int{heldPID, idlePID})
}

func sqlConn(t *testing.T, ctx context.Context, p *pool.Pool) *sql.Conn {
	t.Helper()
	c, err := p.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sqlConnPID(t *testing.T, ctx context.Context, c *sql.Conn) int {
	t.Helper()
	var pid int
	if err := c.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// Reset replaces the standbys' connections too.
func TestResetReplacesTheStandbysConnections(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	opts := resetOptions(1, 1)
	opts.Replicas = pool.ReplicaOptions{Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond}
	p := openPool(t, ctx, rs.primaryDSN(), opts)
	waitUsable(t, p, true)
	read := func() int {
		var pid int
		if err := await(t, ctx, p.Replica().Execute(ctx, "SELECT pg_backend_pid()")).FetchOne(&pid); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	before := read()
	p.Reset()
	waitReset(t, p, 1, 1)
	waitFor(t, 10*time.Second, "the standby's connection to be replaced", func() bool {
		s := p.Stats().Replicas[0].Pool
		return s.Closes.Reset == 1 && s.Total == 1 && s.Pending == 0
	})
	if after := read(); after == before {
		t.Fatalf("a read after Reset ran on the standby's old server process %d", before)
	}
	if n := p.Stats().Replicas[0].Reads; n != 2 {
		t.Fatalf("the standby resolved %d reads, want both", n)
	}
}
