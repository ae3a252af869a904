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
	// recoverySlack is how long one dial (TCP, SCRAM, setsession) and a
	// ping may take after the reconnect interval. Measured at a few
	// milliseconds, it is this wide because under the race detector on a
	// 2-core machine whose cores are busy with other work the test process
	// may go unscheduled for whole seconds; the test is about "within the
	// interval, not at the next timeout or never", which this still shows.
	recoverySlack = 5 * time.Second
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
	outageStart := time.Now()
	deadline := outageStart.Add(outage)
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
	// The callers stop at the deadline but may overrun it on a loaded
	// machine; the gate allows one dial per interval of the real window.
	window := time.Since(outageStart)
	if wrongErr != nil {
		t.Fatalf("call during outage: %v", wrongErr)
	}
	dials := during.Dials - before.Dials
	// Coalesced callers waited for another's dial to be refused: no dial
	// of their own either.
	fastFailures := during.FastFailures - before.FastFailures + during.Coalesced - before.Coalesced
	t.Logf("outage %v, %d callers: %d calls, %d real dials, %d fast failures, slowest call %v (connect timeout %v)",
		window.Round(time.Millisecond), callers, calls, dials, fastFailures, slowest, connectTimeout)
	if maxDials := int64(window/interval) + 1; dials > maxDials {
		t.Errorf("%d real dials in %v with reconnect interval %v, want at most %d", dials, window, interval, maxDials)
	}
	// Failing fast means failing without a dial: every call but the dials'
	// own failed at the gate or with the dial it waited for.
	if fastFailures < int64(calls)-dials {
		t.Errorf("%d of %d calls failed fast, want all but the %d dials", fastFailures, calls, dials)
	}

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	atStart := c.Stats()
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
	if recovered > interval+recoverySlack {
		t.Errorf("recovery took %v, want within the reconnect interval %v (+%v for a loaded machine)", recovered, interval, recoverySlack)
	}
	st := c.Stats()
	if st.Down {
		t.Errorf("stats after recovery = %+v, want up", st)
	}
	// The first dial once the gate reopened reached the restarted server.
	if st.DialFailures != atStart.DialFailures {
		t.Errorf("%d dials failed after the server started, want 0", st.DialFailures-atStart.DialFailures)
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

	beforeFast := c.Stats()
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
	if st := c.Stats(); st.Dials != beforeFast.Dials || st.FastFailures != beforeFast.FastFailures+1 {
		t.Errorf("stats %+v after a fast failure, from %+v: want no dial and one more fast failure", st, beforeFast)
	}
	// Without a dial, a loaded machine's scheduling delays are all that
	// can make the call slow; the dial it skipped takes the whole timeout.
	if fastFail >= blackholeTimeout {
		t.Errorf("fast failure took %v, want less than the dial it skipped (%v)", fastFail, blackholeTimeout)
	}

	// Once the interval is over, ten concurrent callers make one dial.
	// RetryAt is when the gate reopens: the condition itself, not a guess.
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
	atHeal := c.Stats()
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
	took := time.Since(healed)
	t.Logf("blackhole: first connection %v after heal (reconnect interval %v)", took, blackholeInterval)
	if took > blackholeInterval+recoverySlack {
		t.Errorf("first connection %v after heal, want within the reconnect interval %v (+%v for a loaded machine)", took, blackholeInterval, recoverySlack)
	}
	if st := c.Stats(); st.DialFailures != atHeal.DialFailures {
		t.Errorf("%d dials failed after the heal, want 0: the first dial after the interval connects", st.DialFailures-atHeal.DialFailures)
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
