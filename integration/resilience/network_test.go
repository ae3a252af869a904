package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// lateBound is how long after its deadline a call may return: scheduling
// on a loaded 2-core machine, not waiting on the network. Calls returned
// at most 3 ms late on a quiet machine and 6 ms late with both cores kept
// busy by other processes; a call that waited on the partition instead
// would be seconds late.
const lateBound = 250 * time.Millisecond

// proxied starts a faultproxy in front of srv and returns it with a DSN of
// a fresh database through it.
func proxied(t *testing.T, srv *pgtest.Server, kv ...string) (*faultproxy.Proxy, string, string) {
	t.Helper()
	direct := srv.NewDatabase(t)
	proxy, dsn := behindProxy(t, srv, databaseName(t, direct))
	return proxy, withParams(t, dsn, kv...), direct
}

// TestNetworkCut cuts every connection between pool and server three times
// while callers insert rows with statements that are in flight most of the
// time, half of them with arguments (extended protocol), half without
// (simple protocol, where pgx reports a lost connection as safe to retry
// and only the driver's own count of bytes written stops a second run).
func TestNetworkCut(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn, direct := proxied(t, srv, "connect_timeout", "2")
	execAdmin(t, ctx, srv, databaseName(t, direct), createOps)

	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 4, MaxSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	const callers = 8
	w := &workload{pool: p, callers: callers, opTimeout: 2 * time.Second, afterFailure: 5 * time.Millisecond,
		statement: func(ctx context.Context, p *pool.Pool, o op) *future.Future[*pool.Cursor] {
			switch {
			case o.kind == opSelect:
				return p.Execute(ctx, "SELECT count(*) FROM ops WHERE caller = $1", o.caller)
			case o.id%2 == 0:
				return p.Execute(ctx, "INSERT INTO ops (id, caller) SELECT $1, $2 FROM pg_sleep(0.03)", o.id, o.caller)
			default:
				return p.Execute(ctx, fmt.Sprintf("INSERT INTO ops (id, caller) SELECT %d, %d FROM pg_sleep(0.03)", o.id, o.caller))
			}
		}}
	begin := time.Now()
	w.start(ctx)
	var cuts []time.Time
	var cutConns int64
	for i := 1; i <= 3; i++ {
		// A cut a second, each once every caller is served again after
		// the last, so that a slow recovery on a loaded machine cannot run
		// into the next cut.
		sleepUntil(begin.Add(time.Duration(i) * time.Second))
		since := begin
		if len(cuts) > 0 {
			since = cuts[len(cuts)-1]
		}
		waitFor(t, 30*time.Second, "every caller to be served again", func() bool { return w.ledger.servedAgain(callers, since) })
		before := proxy.Stats().Cut
		cuts = append(cuts, time.Now()) // before: callers see the cut at once
		proxy.CutAll()
		cutConns += proxy.Stats().Cut - before
	}
	sleepUntil(begin.Add(4 * time.Second))
	waitFor(t, 30*time.Second, "every caller to be served after the last cut", func() bool {
		return w.ledger.servedAgain(callers, cuts[len(cuts)-1])
	})
	ops := w.finish()
	end := time.Now()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	var full []time.Duration
	for i, cut := range cuts {
		until := end
		if i+1 < len(cuts) {
			until = cuts[i+1]
		}
		f, _ := recovery(t, ops, callers, cut, until)
		full = append(full, f)
		if f > recoveryBound {
			t.Errorf("cut %d: full service %v after the cut, want <= %v", i+1, f, recoveryBound)
		}
	}
	conn, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	if check.unknown == 0 {
		t.Errorf("no INSERT was in flight at any of 3 cuts; the test did not exercise a lost statement")
	}
	report(t, "cut", "%v cut_conns=%d recovery=%v", check, cutConns, round(full))
}

// TestPartition blackholes the network between pool and server for 3s:
// calls with deadlines return by them, the connections caught in the
// partition are closed and never handed out again, and once the network
// heals the pool serves again without being reopened.
func TestPartition(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn, direct := proxied(t, srv, "connect_timeout", "1")
	db := databaseName(t, direct)

	leaks := leakCheck(t)
	const size = 4
	p, err := pool.Open(ctx, dsn, pool.Options{Size: size, MaxSize: size})
	if err != nil {
		t.Fatal(err)
	}
	// A backend whose client has just left lingers for a moment.
	var caught []int
	waitFor(t, 5*time.Second, fmt.Sprintf("%d backends before the partition", size), func() bool {
		caught = backendPIDs(t, ctx, srv, db)
		return len(caught) == size
	})

	const (
		callers   = 8
		deadline  = time.Second
		partition = 3 * time.Second
	)
	type result struct {
		caller     int
		start, end time.Time
		pid        int
		err        error
	}
	var (
		mu      sync.Mutex
		results []result
	)
	proxy.Blackhole()
	blackholed := time.Now()
	stop := repeatCalls(callers, func(caller int) time.Duration {
		r := result{caller: caller, start: time.Now()}
		callCtx, cancel := context.WithTimeout(ctx, deadline)
		var cur *pool.Cursor
		cur, r.err = p.Execute(callCtx, "SELECT pg_backend_pid()").Await(ctx)
		cancel()
		r.end = time.Now()
		if r.err == nil {
			r.err = cur.FetchOne(&r.pid)
		}
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
		if r.err != nil {
			return 5 * time.Millisecond // a client's back-off
		}
		return 0
	})
	sleepUntil(blackholed.Add(partition))
	proxy.Heal()
	healed := time.Now()
	waitFor(t, 30*time.Second, "every caller to be served after the partition healed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		ops := make([]op, len(results))
		for i, r := range results {
			ops[i] = op{caller: r.caller, kind: opSelect, start: r.start, end: r.end, err: r.err}
		}
		return servedAgain(ops, callers, healed)
	})
	stop()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	var late time.Duration
	var timedOut, notAvailable, dialFailed, misreported int
	var ops []op
	for _, r := range results {
		late = max(late, r.end.Sub(r.start.Add(deadline)))
		ops = append(ops, op{caller: r.caller, kind: opSelect, start: r.start, end: r.end, err: r.err})
		switch {
		case r.err == nil:
			if r.start.Before(healed) && r.end.After(healed) {
				continue // held back by the partition, answered when it healed
			}
			if r.end.Before(healed) {
				t.Errorf("a call succeeded during the partition (backend %d)", r.pid)
			}
			if slices.Contains(caught, r.pid) {
				t.Errorf("after the partition healed a call ran on backend %d, a connection caught in the partition", r.pid)
			}
		case errors.Is(r.err, pool.ErrAcquireTimeout):
			// A dial that ran into connect_timeout, misreported; see
			// TestPartitionDialTimeout.
			misreported++
		case errors.Is(r.err, driver.ErrDatabaseNotAvailable):
			notAvailable++ // a dial ran into connect_timeout: the gate closed
		case driver.Classify(r.err) == driver.ClassSafeToRetry:
			dialFailed++ // that dial itself
		case errors.Is(r.err, context.DeadlineExceeded) || pgconn.Timeout(r.err):
			timedOut++
			if driver.Classify(r.err) == driver.ClassPermanent {
				t.Errorf("call during the partition: %v classified %v", r.err, driver.ClassPermanent)
			}
		default:
			t.Errorf("call during the partition: %v (class %v), want its deadline, a dial timeout or ErrDatabaseNotAvailable",
				r.err, driver.Classify(r.err))
		}
	}
	if late > lateBound {
		t.Errorf("a call returned %v after its %v deadline, want <= %v", late, deadline, lateBound)
	}
	if timedOut == 0 {
		t.Error("no call ran into its deadline during the partition")
	}
	recovered, firstOK := recovery(t, ops, callers, healed, time.Now())
	if recovered > recoveryBound {
		t.Errorf("full service %v after the partition healed, want <= %v", recovered, recoveryBound)
	}
	// The server sees the caught connections go once the client closes
	// them; none may still be there.
	waitFor(t, 5*time.Second, "the caught backends to end", func() bool {
		for _, pid := range backendPIDs(t, ctx, srv, db) {
			if slices.Contains(caught, pid) {
				return false
			}
		}
		return true
	})
	leaks()
	report(t, "partition", "partition=%v deadline=%v calls=%d timed_out=%d not_available=%d dial_failed=%d (misreported as acquire timeout %d) latest_return_after_deadline=%v (bound %v) first_ok=%v recovery=%v caught_conns=%d reused=0",
		partition, deadline, len(results), timedOut, notAvailable, dialFailed, misreported, late.Round(time.Millisecond), lateBound,
		firstOK.Round(time.Millisecond), recovered.Round(time.Millisecond), len(caught))
}

// backendPIDs lists the client backends connected to database db.
func backendPIDs(t *testing.T, ctx context.Context, srv *pgtest.Server, db string) []int {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", db)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// TestPartitionDialTimeout: a dial into a partition ends at the DSN's
// connect_timeout, well before the caller's deadline, with the dial's
// error (safe to retry: nothing was sent), and closes the reconnect gate so
// that the next call fails fast.
func TestPartitionDialTimeout(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	const connectTimeout = time.Second
	proxy, dsn, _ := proxied(t, srv, "connect_timeout", "1")
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})

	proxy.Blackhole()
	defer proxy.Heal()
	const deadline = 4 * time.Second
	callCtx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	// The first call takes the open connection and hangs in the partition
	// until its deadline; the second needs a new connection.
	stuck := p.Execute(callCtx, "SELECT 1")
	waitFor(t, 5*time.Second, "the first call to hold the connection", func() bool { return p.Stats().Busy == 1 })
	start := time.Now()
	_, err := p.Execute(callCtx, "SELECT 2").Await(ctx)
	took := time.Since(start)
	if took > connectTimeout+lateBound {
		t.Errorf("the dial into the partition took %v, want about connect_timeout (%v)", took, connectTimeout)
	}
	var connectErr *pgconn.ConnectError
	if !errors.As(err, &connectErr) || driver.Classify(err) != driver.ClassSafeToRetry {
		t.Errorf("call needing a dial into the partition: %v (class %v), want the dial's *pgconn.ConnectError, class %v",
			err, driver.Classify(err), driver.ClassSafeToRetry)
	}
	if errors.Is(err, pool.ErrAcquireTimeout) {
		t.Errorf("the dial's timeout was reported as %q, but Options.AcquireTimeout is 0", pool.ErrAcquireTimeout)
	}
	start = time.Now()
	_, err = p.Execute(callCtx, "SELECT 3").Await(ctx)
	fast := time.Since(start)
	if !errors.Is(err, driver.ErrDatabaseNotAvailable) || fast > failFastBound {
		t.Errorf("next call after the dial timed out: %v in %v, want ErrDatabaseNotAvailable within %v", err, fast, failFastBound)
	}
	// GetConn takes a connection of its own, through another path.
	start = time.Now()
	_, err = p.GetConn(callCtx).Await(ctx)
	getConnFast := time.Since(start)
	if !errors.Is(err, driver.ErrDatabaseNotAvailable) || getConnFast > failFastBound {
		t.Errorf("GetConn after the dial timed out: %v in %v, want ErrDatabaseNotAvailable within %v", err, getConnFast, failFastBound)
	}
	if errors.Is(err, pool.ErrAcquireTimeout) {
		t.Errorf("GetConn: the gate's error (its last dial timed out) was reported as %q, but Options.AcquireTimeout is 0", pool.ErrAcquireTimeout)
	}
	if _, err := stuck.Await(ctx); !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
		t.Errorf("call stuck in the partition: %v, want its deadline", err)
	}
	report(t, "partition_dial", "connect_timeout=%v dial_failed_after=%v next_call_failed_fast_in=%v", connectTimeout,
		took.Round(time.Millisecond), fast.Round(time.Microsecond))
}
