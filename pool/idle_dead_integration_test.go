package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// openAll makes every one of p's n connections open and idle.
func openAll(t *testing.T, ctx context.Context, p *pool.Pool, n int) {
	t.Helper()
	var held []*pool.Conn
	for range n {
		c, err := p.Acquire(ctx)
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		p.PutConn(c)
	}
}

// checkNotLost fails the test when err says a statement that never
// reached the server may have run.
func checkNotLost(t *testing.T, what string, round int, err error) {
	t.Helper()
	if err == nil {
		return
	}
	t.Errorf("round %d: %s: %v", round, what, err)
	if errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("round %d: %s: reported as maybe run, although its connection died while idle", round, what)
	}
	if msg := err.Error(); strings.Contains(msg, "never sent") && strings.Contains(msg, "may have run") {
		t.Errorf("round %d: the error says both 'never sent' and 'may have run': %s", round, msg)
	}
}

// TestIdleConnectionsCutFailNobody: connections that died while idle (a
// proxy, NAT or PgBouncer restart reset them) fail no call while the
// server is up: a statement is never written to a connection known dead,
// a write the kernel refuses goes to another connection, and once the
// idle connections are all dead the pool dials. Every other call failed
// with ErrConnectionLost before, and GetConn with "3 connections in a row
// failed their ping".
func TestIdleConnectionsCutFailNobody(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := openPool(t, ctx, dsn, pool.Options{Size: 3, MaxSize: 3})
	for round := range 15 {
		openAll(t, ctx, p, 3)
		proxy.CutAll()
		_, err := p.Execute(ctx, "SELECT 1").Await(ctx)
		checkNotLost(t, "Execute", round, err)
		proxy.CutAll()
		c, err := p.GetConn(ctx).Await(ctx)
		checkNotLost(t, "GetConn", round, err)
		if err == nil {
			_, err := c.Execute(ctx, "SELECT 1").Await(ctx)
			checkNotLost(t, "the Conn's statement", round, err)
			p.PutConn(c)
		}
	}
	if st := p.Stats(); st.Lost != 0 {
		t.Errorf("Stats.Lost = %d, want 0: nothing was in flight when the connections were cut", st.Lost)
	}
}

// TestIdleConnectionsTerminatedAfterIdleFailNobody: with every connection
// idle longer than PingAfterIdle and then terminated by the server, a
// call walks past the dead idle connections (each found dead before
// anything is written) and the pool dials; neither Execute nor Acquire
// reports the database down while it is up.
func TestIdleConnectionsTerminatedAfterIdleFailNobody(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t) + "&ping_after_idle=0"
	p := openPool(t, ctx, dsn, pool.Options{Size: 4, MaxSize: 4})
	for round := range 5 {
		openAll(t, ctx, p, 4)
		terminateAll(t, ctx, srv, dsn)
		c, err := p.Acquire(ctx)
		checkNotLost(t, "Acquire", round, err)
		if errors.Is(err, driver.ErrDatabaseNotAvailable) {
			t.Errorf("round %d: Acquire reported the database down while it is up", round)
		}
		if err == nil {
			p.PutConn(c)
		}
		terminateAll(t, ctx, srv, dsn)
		_, err = p.Execute(ctx, "SELECT 1").Await(ctx)
		checkNotLost(t, "Execute", round, err)
	}
}

// terminateAll ends every other server process of dsn's database (given
// without momoko's own keys) and waits until those are gone.
func terminateAll(t *testing.T, ctx context.Context, srv *pgtest.Server, dsn string) {
	t.Helper()
	admin, err := pgx.Connect(ctx, srv.DatabaseDSN(databaseName(t, dsn)))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	rows, err := admin.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM unnest($1::int4[]) pid", pids); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the server processes to end", func() bool {
		var n int
		err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", pids).Scan(&n)
		return err == nil && n == 0
	})
}
