package pool_test

import (
	"errors"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// pollSuccess calls fn until it succeeds, failing the test after timeout,
// and returns how long that took.
func pollSuccess(t *testing.T, timeout time.Duration, what string, fn func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for {
		if err = fn(); err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s still failing after %v: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recoverySlack is how long after the reconnect interval a call may take
// to succeed once the server is back: a dial, setsession and the call,
// measured in milliseconds, but the test process may go unscheduled for
// seconds under the race detector on a 2-core machine that other
// processes keep busy. It still tells "after the interval" from "at the
// next timeout" or "never".
const recoverySlack = 5 * time.Second

func TestSetSessionSurvivesRestart(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	dsn := srv.NewDatabase(t)
	const interval = 200 * time.Millisecond
	p := openPool(t, ctx, dsn, pool.Options{
		Size:              1,
		ReconnectInterval: interval,
		SetSession:        []string{"SET application_name = 'momoko-test'", "SET TIME ZONE 'Asia/Tokyo'"},
	})

	session := func() (tz, app string, pid int, err error) {
		cur, err := p.Execute(ctx, "SELECT current_setting('TimeZone'), current_setting('application_name'), pg_backend_pid()").Await(ctx)
		if err != nil {
			return "", "", 0, err
		}
		err = cur.FetchOne(&tz, &app, &pid)
		return tz, app, pid, err
	}
	tz, app, pidBefore, err := session()
	if err != nil {
		t.Fatal(err)
	}
	if tz != "Asia/Tokyo" || app != "momoko-test" {
		t.Fatalf("TimeZone %q, application_name %q; want Asia/Tokyo, momoko-test", tz, app)
	}

	if err := srv.Restart(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	var pidAfter int
	took := pollSuccess(t, interval+recoverySlack, "calls after the restart", func() error {
		var err error
		tz, app, pidAfter, err = session()
		return err
	})
	t.Logf("first successful call %v after the restart", took)
	if tz != "Asia/Tokyo" || app != "momoko-test" {
		t.Fatalf("after the restart: TimeZone %q, application_name %q; want Asia/Tokyo, momoko-test", tz, app)
	}
	if pidAfter == pidBefore {
		t.Fatalf("backend pid %d did not change across a restart", pidAfter)
	}
}

func TestOutageFailsFastAndRecovers(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	base := srv.NewDatabase(t)
	db := databaseName(t, base)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("connect_timeout", "10")
	u.RawQuery = q.Encode()
	dsn := u.String()

	const interval = 300 * time.Millisecond
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, ReconnectInterval: interval})
	waitBackends(t, ctx, srv, db, 2)

	if err := srv.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	call := func() error {
		_, err := p.Execute(ctx, "SELECT 1").Await(ctx)
		return err
	}
	// The first calls may meet the connections the server just closed;
	// after them the pool knows the server is down.
	waitFor(t, 5*time.Second, "a call to fail with ErrDatabaseNotAvailable", func() bool {
		return errors.Is(call(), driver.ErrDatabaseNotAvailable)
	})

	var slowest time.Duration
	notAvailable := 0
	calls := time.Now()
	for i := range 20 {
		start := time.Now()
		err := call()
		took := time.Since(start)
		slowest = max(slowest, took)
		switch {
		case errors.Is(err, driver.ErrDatabaseNotAvailable):
			notAvailable++
		case errors.Is(err, syscall.ECONNREFUSED):
			// This call was the one dial per ReconnectInterval that
			// probes the server.
		default:
			t.Errorf("call %d during the outage: %v, want ErrDatabaseNotAvailable", i, err)
		}
		// A call that waited for the dial's timeout would take 10s; half
		// of it leaves a loaded machine all the room it needs.
		if took > 5*time.Second {
			t.Errorf("call %d took %v to fail, want far less than connect_timeout (10s)", i, took)
		}
	}
	// One dial per ReconnectInterval probes the server: the calls that did
	// not fail with ErrDatabaseNotAvailable, at most one per interval of
	// however long the 20 calls took.
	window := time.Since(calls)
	t.Logf("during the outage: %d of 20 calls failed with ErrDatabaseNotAvailable in %v, slowest in %v", notAvailable, window, slowest)
	if probes := 20 - notAvailable; probes > int(window/interval)+1 {
		t.Errorf("%d of 20 calls in %v dialed, want at most one per ReconnectInterval (%v)", probes, window, interval)
	}
	waitFor(t, 5*time.Second, "Stats to show dead connections", func() bool { return p.Stats().Dead > 0 })
	t.Logf("during the outage: %v", p.Stats())

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	took := pollSuccess(t, interval+recoverySlack, "calls after the server came back", call)
	t.Logf("first successful call %v after the server came back", took)
	waitBackends(t, ctx, srv, db, 2)
	waitFor(t, 5*time.Second, "no dead connections", func() bool { return p.Stats().Dead == 0 })
}

func TestGetConnReplacesATerminatedConnection(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	// Without ping-after-idle, only GetConn's own ping can notice.
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1, PingAfterIdle: -1})

	c := await(t, ctx, p.GetConn(ctx))
	pid := connPID(t, ctx, c)
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	terminate(t, ctx, dsn, pid)
	c = await(t, ctx, p.GetConn(ctx))
	newPID := connPID(t, ctx, c)
	if newPID == pid {
		t.Fatalf("GetConn returned the terminated backend %d", pid)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}

	terminate(t, ctx, dsn, newPID)
	c = await(t, ctx, p.GetConn(ctx, pool.WithoutPing()))
	// "SELECT 1" is new to this connection: what broke on the terminated
	// connection was its Prepare, so the statement itself was never sent
	// (safe to retry); once prepared, a statement would be lost in flight.
	_, err := c.Execute(ctx, "SELECT 1").Await(ctx)
	if class := driver.Classify(err); class != driver.ClassSafeToRetry || !errors.Is(err, pool.ErrConnClosed) {
		t.Fatalf("Execute on a terminated connection: %v (class %v), want the Conn closed and class %v", err, class, driver.ClassSafeToRetry)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Busy != 0 {
		t.Fatalf("after putting back a broken connection: %v, want nothing busy", st)
	}
	c = await(t, ctx, p.GetConn(ctx))
	if got := connPID(t, ctx, c); got == newPID {
		t.Fatalf("the broken connection %d went back into the pool", got)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
}
