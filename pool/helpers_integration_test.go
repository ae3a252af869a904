package pool_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// testTimeout bounds every integration test, so that a hang fails the test
// instead of the whole run.
const testTimeout = 60 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openPool opens a pool that is closed at cleanup; a test that closes it
// itself makes the cleanup's second Close fail, which is ignored.
func openPool(t *testing.T, ctx context.Context, dsn string, opts pool.Options) *pool.Pool {
	t.Helper()
	p, err := pool.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("pool.Open: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// await waits for f and fails the test on error.
func await[T any](t *testing.T, ctx context.Context, f *future.Future[T]) T {
	t.Helper()
	v, err := f.Await(ctx)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return v
}

// sqlState is err's SQLSTATE, "" when err is not a PostgreSQL error.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// execInt runs a one-row, one-column query and returns the value.
func execInt(t *testing.T, ctx context.Context, p *pool.Pool, query string, args ...any) int64 {
	t.Helper()
	cur := await(t, ctx, p.Execute(ctx, query, args...))
	var n int64
	if err := cur.FetchOne(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// connPID is the backend pid of a checked-out connection.
func connPID(t *testing.T, ctx context.Context, c *pool.Conn) int {
	t.Helper()
	cur := await(t, ctx, c.Execute(ctx, "SELECT pg_backend_pid()"))
	var pid int
	if err := cur.FetchOne(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

func databaseName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// backendPIDs lists the client backends the server has for database,
// seen from an administrative connection to another database. It returns
// nil when the server does not answer.
func backendPIDs(ctx context.Context, srv *pgtest.Server, database string) ([]int, error) {
	conn, err := srv.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = $1 AND backend_type = 'client backend' ORDER BY pid`, database)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// backends counts the client backends of database.
func backends(t *testing.T, ctx context.Context, srv *pgtest.Server, database string) int {
	t.Helper()
	pids, err := backendPIDs(ctx, srv, database)
	if err != nil {
		t.Fatalf("counting backends: %v", err)
	}
	return len(pids)
}

// waitBackends waits until the server shows exactly n backends for
// database.
func waitBackends(t *testing.T, ctx context.Context, srv *pgtest.Server, database string, n int) {
	t.Helper()
	last := -1
	deadline := time.Now().Add(10 * time.Second)
	for {
		if last = backends(t, ctx, srv, database); last == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server shows %d backends for %s, want %d", last, database, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxiedDSN starts a faultproxy in front of srv, closed at cleanup, and
// returns it with the DSN of a fresh database through it.
func proxiedDSN(t *testing.T, srv *pgtest.Server) (*faultproxy.Proxy, string) {
	t.Helper()
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dsn, err := pgtest.WithAddr(srv.NewDatabase(t), proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return proxy, dsn
}
