package driver_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
)

const (
	connectTimeout    = 2 * time.Second // connect_timeout=2 in the stopped-server test
	blackholeTimeout  = time.Second     // connect_timeout=1 in the blackhole test
	blackholeInterval = 500 * time.Millisecond
)

func TestFailFastWhileServerStoppedThenRecover(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	const interval = 300 * time.Millisecond
	db, c := openDB(t, withQuery(t, srv.DSN(), "reconnect_interval=300ms", "ping_after_idle=0", "connect_timeout=2"), nil)
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}

	// The first call finds the idle connection dead, dials, fails for real
	// and confirms the failure with one more dial.
	err := db.PingContext(ctx)
	var connectErr *pgconn.ConnectError
	if !errors.As(err, &connectErr) || errors.Is(err, driver.ErrDatabaseNotAvailable) {
		t.Fatalf("first call while stopped: %v, want the dial's *pgconn.ConnectError", err)
	}
	before := c.Stats()
	if !before.Down || before.DialFailures != 2 || before.Redials != 1 {
		t.Fatalf("stats after the failed dial = %+v", before)
	}

	// Eight callers hammer the pool during the outage.
	const callers = 8
	outage := 4 * interval
	var (
		mu       sync.Mutex
		calls    int
		slowest  time.Duration
		wrongErr error
	)
	var wg sync.WaitGroup
	deadline := time.Now().Add(outage)
	for range callers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				start := time.Now()
				err := db.PingContext(ctx)
				took := time.Since(start)
				mu.Lock()
				calls++
				slowest = max(slowest, took)
				if !errors.Is(err, driver.ErrDatabaseNotAvailable) && !errors.As(err, new(*pgconn.ConnectError)) {
					wrongErr = err
				}
				mu.Unlock()
				time.Sleep(time.Millisecond) // a caller's think time, not a wait for a condition
			}
		})
	}
	wg.Wait()
	during := c.Stats()
	if wrongErr != nil {
		t.Fatalf("call during outage: %v", wrongErr)
	}
	dials := during.Dials - before.Dials
	t.Logf("outage %v, %d callers: %d calls, %d real dials, %d fast failures, slowest call %v (connect timeout %v)",
		outage, callers, calls, dials, during.FastFailures-before.FastFailures, slowest, connectTimeout)
	if maxDials := int64(outage/interval) + 1; dials > maxDials {
		t.Errorf("%d real dials in %v with reconnect interval %v, want at most %d", dials, outage, interval, maxDials)
	}
	if slowest > connectTimeout/4 {
		t.Errorf("slowest call during outage took %v, want far below the connect timeout %v", slowest, connectTimeout)
	}

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	for {
		err := db.PingContext(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, driver.ErrDatabaseNotAvailable) && !errors.As(err, new(*pgconn.ConnectError)) {
			t.Fatalf("ping after start: %v", err)
		}
		time.Sleep(5 * time.Millisecond) // polling the condition
	}
	recovered := time.Since(started)
	t.Logf("first success %v after the server started (reconnect interval %v)", recovered, interval)
	if recovered > interval+time.Second {
		t.Errorf("recovery took %v, want within the reconnect interval %v (+1s slack)", recovered, interval)
	}
	if st := c.Stats(); st.Down {
		t.Errorf("stats after recovery = %+v, want up", st)
	}
}

// TestBlackholeFailsFastAndCoalesces uses a proxy that accepts connections
// but forwards nothing, so a real dial lasts the whole connect timeout.
func TestBlackholeFailsFastAndCoalesces(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dsn, err := pgtest.WithAddr(srv.NewDatabase(t), p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, c := openDB(t, withQuery(t, dsn, "connect_timeout=1", "reconnect_interval=500ms"), nil)
	p.Blackhole()

	start := time.Now()
	_, err = c.Connect(ctx)
	firstDial := time.Since(start)
	if !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial into blackhole: %v, want a timeout", err)
	}

	start = time.Now()
	_, err = c.Connect(ctx)
	fastFail := time.Since(start)
	var unavailable *driver.UnavailableError
	if !errors.As(err, &unavailable) || !errors.Is(err, driver.ErrDatabaseNotAvailable) || !pgconn.Timeout(err) {
		t.Fatalf("second Connect: %v, want *UnavailableError wrapping the timeout", err)
	}
	if driver.Classify(err) != driver.ClassSafeToRetry {
		t.Errorf("fast failure classified %v", driver.Classify(err))
	}
	t.Logf("blackhole: real dial failed after %v, next Connect failed fast in %v", firstDial, fastFail)
	if fastFail > blackholeTimeout/20 {
		t.Errorf("fast failure took %v", fastFail)
	}

	// Once the interval is over, ten concurrent callers make one dial.
	time.Sleep(time.Until(unavailable.RetryAt))
	before := c.Stats()
	const callers = 10
	errs := make(chan error, callers)
	for range callers {
		go func() {
			conn, err := c.Connect(ctx)
			if conn != nil {
				_ = conn.Close()
			}
			errs <- err
		}()
	}
	var notAvailable int
	for range callers {
		if err := <-errs; errors.Is(err, driver.ErrDatabaseNotAvailable) {
			notAvailable++
		} else if !pgconn.Timeout(err) {
			t.Errorf("concurrent Connect: %v", err)
		}
	}
	after := c.Stats()
	t.Logf("blackhole: %d concurrent callers after the interval: %d dial(s), %d waited for it, %d failed fast",
		callers, after.Dials-before.Dials, after.Coalesced-before.Coalesced, after.FastFailures-before.FastFailures)
	if d := after.Dials - before.Dials; d != 1 {
		t.Errorf("%d dials by %d concurrent callers during an outage, want 1", d, callers)
	}
	if notAvailable != callers-1 {
		t.Errorf("%d callers got ErrDatabaseNotAvailable, want %d", notAvailable, callers-1)
	}

	p.Heal()
	healed := time.Now()
	for {
		conn, err := c.Connect(ctx)
		if err == nil {
			_ = conn.Close()
			break
		}
		if !errors.Is(err, driver.ErrDatabaseNotAvailable) {
			t.Fatalf("Connect after heal: %v", err)
		}
		time.Sleep(5 * time.Millisecond) // polling the condition
	}
	if took := time.Since(healed); took > blackholeInterval+time.Second {
		t.Errorf("first connection %v after heal, want within the reconnect interval %v (+1s slack)", took, blackholeInterval)
	}
}

func TestConnectAfterCloseFails(t *testing.T) {
	ctx := testContext(t)
	db, c := openDB(t, pgtest.Shared(t).NewDatabase(t), nil)
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	dials := c.Stats().Dials
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(ctx); !errors.Is(err, driver.ErrConnectorClosed) {
		t.Fatalf("Connect after DB.Close: %v, want ErrConnectorClosed", err)
	}
	if got := c.Stats().Dials; got != dials {
		t.Errorf("dials after Close: %d, want %d", got, dials)
	}
}
