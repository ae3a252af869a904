package resilience_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

const (
	outage        = 5 * time.Second
	outageCallers = 8
	// failFastBound bounds how long a call takes to fail while the server
	// is down. Failing fast takes well under a millisecond; a call that
	// waited for the gate to reopen would take up to a ReconnectInterval.
	// The extra 100 ms is for a 2-core machine that other processes keep
	// busy, where the race-detected test process may wait that long for a
	// core; the p99 stays far below it there too (0.8 ms, see the README).
	failFastBound = interval + 100*time.Millisecond
	// tcpPerDial is how many TCP connections the proxy accepts per failed
	// dial at most: when a connection attempt fails after the TCP
	// handshake (the proxy accepts, then drops the connection because the
	// server is gone), pgx closes it the way it closes a broken
	// connection, sending a CancelRequest over a second TCP connection.
	// It does so for a connection the shutdown broke too, once each.
	tcpPerDial = 2
)

// call is one call made during the outage test.
type call struct {
	caller     int
	start, end time.Time
	err        error
}

// TestOutageFailsFast stops the server for 5s while callers keep calling
// through a faultproxy that counts the pool's dials.
func TestOutageFailsFast(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dsn, err := pgtest.WithAddr(srv.NewDatabase(t), proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p := openPool(t, ctx, withParams(t, dsn, "connect_timeout", "2"), pool.Options{Size: 4, MaxSize: outageCallers})

	var (
		mu    sync.Mutex
		calls []call
	)
	stop := repeatCalls(outageCallers, func(caller int) time.Duration {
		c := call{caller: caller, start: time.Now()}
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, c.err = p.Execute(callCtx, "SELECT 1").Await(ctx)
		cancel()
		c.end = time.Now()
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		// A client's think time: keeps 8 callers from spinning on fast
		// failures; the fail-fast path is still hit hundreds of times a
		// second.
		return 2 * time.Millisecond
	})
	var stopOnce sync.Once
	finish := func() []call {
		stopOnce.Do(stop)
		mu.Lock()
		defer mu.Unlock()
		return calls
	}
	t.Cleanup(func() { finish() }) // also when the test fails half-way

	// The pool is warm once every caller has been served.
	waitFor(t, 10*time.Second, "every caller to be served", func() bool { return served(&mu, &calls, time.Time{}) })
	// Counts are read after the time that starts a window and before the
	// time that ends it, so that each window holds what it counts.
	stopping := time.Now()
	acceptedBefore, gateBefore := proxy.Stats().Accepted, p.Stats().Gate
	if err := srv.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// The gate is down once a call has failed with ErrDatabaseNotAvailable.
	waitFor(t, outage, "a call to fail with ErrDatabaseNotAvailable", func() bool { return firstNotAvailable(&mu, &calls, stopped) })
	gateDown := time.Now()
	gateAtDown := p.Stats().Gate
	sleepUntil(stopped.Add(outage))
	acceptedAfter, gateAfter := proxy.Stats().Accepted, p.Stats().Gate
	outageEnd := time.Now()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	// Recovery is complete once every caller has been served after the
	// last failure.
	waitFor(t, 30*time.Second, "every caller to be served again", func() bool { return served(&mu, &calls, up) })
	all := finish()

	var durations []time.Duration
	var notAvailable, dialErrors, lost, during int
	for _, c := range all {
		if c.start.Before(gateDown) || c.end.After(outageEnd) {
			continue
		}
		during++
		durations = append(durations, c.end.Sub(c.start))
		switch {
		case errors.Is(c.err, driver.ErrDatabaseNotAvailable):
			notAvailable++
		case driver.Classify(c.err) == driver.ClassSafeToRetry:
			dialErrors++ // the one probe per ReconnectInterval
		case driver.Classify(c.err) == driver.ClassConnectionLost:
			lost++
		default:
			t.Errorf("call during the outage: %v (class %v), want ErrDatabaseNotAvailable or a dial error",
				c.err, driver.Classify(c.err))
		}
	}
	p50, p99, slowest := percentile(durations, 50), percentile(durations, 99), percentile(durations, 100)
	if p99 > failFastBound {
		t.Errorf("p99 time to error during the outage %v, want <= %v", p99, failFastBound)
	}
	if notAvailable < during*9/10 {
		t.Errorf("%d of %d calls during the outage failed with ErrDatabaseNotAvailable, want >= 90%%", notAvailable, during)
	}
	// No dial storm, as the gate is built, however late the test looks:
	// while it knows the server is down, it lets one probe dial through
	// at a time, each at least a ReconnectInterval after the last one
	// failed. Before it knows, every connection the shutdown broke may be
	// redialed at once (database/sql keeps dials within MaxSize), and the
	// first failure is dialed once more to confirm it.
	gateDials := gateAfter.Dials - gateAtDown.Dials
	maxGateDials := int64(outageEnd.Sub(gateDown)/interval) + 1
	if gateDials > maxGateDials {
		t.Errorf("%d dials in the %v after the gate went down, want <= %d (one per ReconnectInterval + 1)",
			gateDials, outageEnd.Sub(gateDown).Round(time.Millisecond), maxGateDials)
	}
	dials := gateAfter.Dials - gateBefore.Dials
	maxDials := int64(outageCallers+1) + int64(outageEnd.Sub(stopping)/interval) + 1
	if dials > maxDials {
		t.Errorf("%d dials during the %v outage, want <= %d (MaxSize + 1 before the gate knew, then one per ReconnectInterval + 1)",
			dials, outageEnd.Sub(stopping).Round(time.Millisecond), maxDials)
	}
	// Nothing reaches the network past the gate: every TCP connection is
	// one of its dials or a broken connection's CancelRequest.
	allTCP := acceptedAfter - acceptedBefore
	if limit := tcpPerDial*dials + outageCallers; allTCP > limit {
		t.Errorf("%d TCP connections during the outage for %d dials, want <= %d (%d per dial, 1 per connection the shutdown broke)",
			allTCP, dials, limit, tcpPerDial)
	}

	recovered, firstOK := recovery(t, toOps(all), outageCallers, up, time.Now())
	if recovered > recoveryBound {
		t.Errorf("full service %v after the server accepted connections again, want <= %v", recovered, recoveryBound)
	}
	report(t, "outage", "outage=%v calls=%d not_available=%d probe_errors=%d lost=%d time_to_error p50=%v p99=%v max=%v (bound %v) tcp_conns=%d dials=%d (bound %d; after gate down %d, bound %d) gate_down_after=%v first_ok=%v recovery=%v",
		outage, during, notAvailable, dialErrors, lost, p50, p99, slowest, failFastBound,
		allTCP, dials, maxDials, gateDials, maxGateDials, gateDown.Sub(stopped).Round(time.Millisecond),
		firstOK.Round(time.Millisecond), recovered.Round(time.Millisecond))
}

func firstNotAvailable(mu *sync.Mutex, calls *[]call, since time.Time) bool {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range *calls {
		if c.start.After(since) && errors.Is(c.err, driver.ErrDatabaseNotAvailable) {
			return true
		}
	}
	return false
}

// served is servedAgain on the calls so far.
func served(mu *sync.Mutex, calls *[]call, since time.Time) bool {
	mu.Lock()
	defer mu.Unlock()
	return servedAgain(toOps(*calls), outageCallers, since)
}

// toOps turns calls into ops, for recovery.
func toOps(calls []call) []op {
	ops := make([]op, len(calls))
	for i, c := range calls {
		ops[i] = op{caller: c.caller, kind: opSelect, start: c.start, end: c.end, err: c.err}
	}
	return ops
}
