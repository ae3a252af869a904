package resilience_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	"go.uber.org/goleak"
)

// testTimeout bounds every test, so that a hang fails the test instead of
// the whole run.
const testTimeout = 2 * time.Minute

// interval is the ReconnectInterval under test: the default.
const interval = pool.DefaultReconnectInterval

// recoveryBound is how soon after the server accepts connections again
// every caller must be served: one ReconnectInterval (the reconnect gate
// may have just closed) plus a second for a loaded 2-core machine. The
// second is ten times what recovery takes beyond the interval with both
// cores kept busy by other processes (measured 0.36-0.46 s in all, quiet
// or loaded), and the tests wait for every caller to be served instead of
// sleeping for a fixed time, so the bound is the only timing they assert.
const recoveryBound = interval + time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// openPool opens a pool closed at cleanup (a second Close is harmless).
func openPool(t *testing.T, ctx context.Context, dsn string, opts pool.Options) *pool.Pool {
	t.Helper()
	p, err := pool.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("pool.Open: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// withParams returns the URL DSN dsn with query parameters set, given as
// key, value pairs.
func withParams(t *testing.T, dsn string, kv ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("bad test DSN")
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// databaseName is the database a URL DSN names.
func databaseName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("bad test DSN")
	}
	return strings.TrimPrefix(u.Path, "/")
}

// report logs a scenario's figures and prints them on one line to stdout.
func report(t *testing.T, scenario, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Logf("figures: %s", line)
	fmt.Printf("resilience: %s %s\n", scenario, line)
}

// leakCheck returns a function that fails t if goroutines started after
// leakCheck was called are still running. Goroutines that watch a
// postmaster started by pgserver (after a restart) are not the pool's.
func leakCheck(t *testing.T) func() {
	t.Helper()
	before := goleak.IgnoreCurrent()
	return func() {
		t.Helper()
		if err := goleak.Find(before,
			goleak.IgnoreAnyFunction("github.com/momoko-go/momoko/integration/pgserver.(*child).start.func1")); err != nil {
			t.Errorf("goroutines left behind: %v", err)
		}
	}
}

// percentile is the p-th percentile (0 < p <= 100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// sleepUntil waits until at: the scenario's own schedule (when to restart
// the server, how long an outage lasts), not a condition to wait for.
func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// repeatCalls runs call over and over on n goroutines, one caller each,
// pausing after each call for the time call returns, until stop is called;
// stop waits for the callers to return.
func repeatCalls(n int, call func(caller int) (pause time.Duration)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for caller := range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if pause := call(caller); pause > 0 {
					time.Sleep(pause)
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// waitFor polls cond until it holds, failing t after timeout.
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

// execAdmin runs SQL on database db of srv over a connection of its own.
func execAdmin(t *testing.T, ctx context.Context, srv *pgtest.Server, db, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, srv.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
