package resilience_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestMaxLifetimeUnderLoad: with MaxLifetime 2s and jitter 1s, callers
// run fast statements (pipelined), slow ones and transactions without a
// pause while a Conn is held past any lifetime it could have drawn.
// Connections are replaced continuously, the pool never drops below Size,
// no call fails, the held Conn keeps its server process until it is put
// back and is closed then, and the lifetimes are spread by the jitter.
func TestMaxLifetimeUnderLoad(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	closes := &closeLog{}
	leaks := leakCheck(t)
	const size, lifetime, jitter = 4, 2 * time.Second, time.Second
	p, err := pool.Open(ctx, dsn, pool.Options{Size: size, MaxLifetime: lifetime, MaxLifetimeJitter: jitter,
		HealthCheckPeriod: -1, Logger: slog.New(closes)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() }) // on failure; a second Close is harmless
	begin := time.Now()

	var calls atomic.Int64
	var errs errorList
	stop := repeatCalls(6, func(caller int) time.Duration {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var err error
		switch caller % 3 {
		case 0:
			_, err = p.Execute(ctx, "SELECT pg_backend_pid()").Await(ctx)
		case 1:
			_, err = p.Execute(ctx, "SELECT pg_backend_pid() FROM pg_sleep(0.02)").Await(ctx)
		default:
			_, err = p.Transaction(ctx, []pool.Statement{{SQL: "SELECT pg_sleep(0.01)"}, {SQL: "SELECT pg_backend_pid()"}}).Await(ctx)
		}
		calls.Add(1)
		errs.add(err)
		return 0
	})

	// A Conn held for longer than any lifetime: its connection is already
	// past its own when it is put back, yet it never changes under its
	// holder.
	var heldPID int
	held := make(chan struct{})
	go func() {
		defer close(held)
		c, err := p.GetConn(ctx).Await(ctx)
		if err != nil {
			errs.add(err)
			return
		}
		defer p.PutConn(c)
		got := time.Now()
		heldPID = backendPIDOf(ctx, c, &errs)
		for time.Since(got) <= lifetime+jitter {
			if pid := backendPIDOf(ctx, c, &errs); pid != heldPID {
				errs.add(fmt.Errorf("the held Conn moved from server process %d to %d", heldPID, pid))
				return
			}
			time.Sleep(50 * time.Millisecond) // a holder's pace, not a condition
		}
	}()

	var totals []int // Stats.Total seen while connections were replaced
	waitFor(t, 30*time.Second, "three lifetimes' worth of replacements", func() bool {
		s := p.Stats()
		totals = append(totals, s.Total)
		return s.Closes.Lifetime >= 3*size
	})
	stop()
	<-held
	waitFor(t, 5*time.Second, "the held Conn's connection to close once put back", func() bool {
		return closes.find(heldPID) != nil
	})
	stats := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	if n, first := errs.result(); n > 0 {
		t.Errorf("%d of %d calls failed, the first with: %v", n, calls.Load(), first)
	}
	if c := stats.Closes; c.HealthCheck != 0 || c.Shrink != 0 || c.Broken != 0 {
		t.Errorf("closes other than by lifetime: %+v", c)
	}
	if slices.ContainsFunc(totals, func(n int) bool { return n != size }) {
		t.Errorf("Stats.Total left %d while connections were replaced: %v", size, slices.Compact(totals))
	}
	heldClose := closes.find(heldPID)
	if heldClose.cause != "lifetime" || heldClose.age <= lifetime+jitter {
		t.Errorf("the held Conn's connection closed for %q at age %v, want lifetime, after %v", heldClose.cause, heldClose.age, lifetime+jitter)
	}
	var ages []time.Duration
	var at []string
	for _, c := range closes.all() {
		if c.cause != "lifetime" {
			t.Errorf("connection %d closed for %q", c.pid, c.cause)
		}
		if c.pid == uint32(heldPID) {
			continue
		}
		// An expired connection takes no new work and goes once its
		// last statement is done: a few milliseconds, a second at most on
		// a loaded machine.
		if c.age < lifetime || c.age > lifetime+jitter+time.Second {
			t.Errorf("connection %d closed at age %v, want within [%v, %v]", c.pid, c.age, lifetime, lifetime+jitter+time.Second)
		}
		ages = append(ages, c.age)
		at = append(at, c.at.Sub(begin).Round(10*time.Millisecond).String())
	}
	spread := slices.Max(ages) - slices.Min(ages)
	// Eight or more lifetimes drawn from a one-second window all within a
	// fifth of it: less likely than one in ten thousand.
	if spread < jitter/5 {
		t.Errorf("lifetimes %v spread over %v only: the jitter does not spread replacements", ages, spread)
	}
	report(t, "lifetime", "calls=%d failed=0 closes=%d ages=[%v %v] p50_age=%v spread=%v held_conn_age=%v closed_at=%s",
		calls.Load(), len(closes.all()), slices.Min(ages).Round(time.Millisecond), slices.Max(ages).Round(time.Millisecond),
		percentile(ages, 50).Round(time.Millisecond), spread.Round(time.Millisecond),
		heldClose.age.Round(time.Millisecond), strings.Join(at, ","))
}

// TestHealthCheckReplacesBlackholedIdleConnection: the pool's idle
// connections run through a proxy that is then blackholed, as a NAT that
// dropped them silently would. With no ping on acquire, only the health
// check stands between them and a caller: it must find both dead and
// replace them (through the second host of the DSN, a second proxy) before
// a caller comes, and the caller must see no error.
func TestHealthCheckReplacesBlackholedIdleConnection(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	first, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	dsn, err := pgtest.WithAddr(direct, first.Addr()+","+second.Addr())
	if err != nil {
		t.Fatal(err)
	}
	dsn = withParams(t, dsn, "connect_timeout", "1")
	closes := &closeLog{}
	leaks := leakCheck(t)
	const size, period = 2, 300 * time.Millisecond
	p, err := pool.Open(ctx, dsn, pool.Options{Size: size, HealthCheckPeriod: period, PingAfterIdle: -1,
		MaxLifetime: -1, Logger: slog.New(closes)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if a, b := first.Stats().Active, second.Stats().Active; a != size || b != 0 {
		t.Fatalf("connections through the first proxy %d, the second %d; want %d and 0", a, b, size)
	}
	waitFor(t, 5*time.Second, "the pool to be idle", func() bool { return p.Stats().Free == size })

	blackholed := time.Now()
	first.Blackhole()
	var replaced time.Time
	waitFor(t, 10*time.Second, "the health check to replace both connections", func() bool {
		s := p.Stats()
		if s.Closes.HealthCheck == size && s.Free == size && second.Stats().Active == size {
			replaced = time.Now()
			return true
		}
		return false
	})
	for i := range 20 {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := p.Execute(cctx, "SELECT 1").Await(cctx)
		cancel()
		if err != nil {
			t.Errorf("call %d after the health check: %v", i, err)
		}
	}
	stats := p.Stats()
	first.Heal()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()
	if c := stats.Closes; c.HealthCheck != size || c.Broken != 0 || c.Lifetime != 0 || c.Shrink != 0 {
		t.Errorf("closes %+v, want %d by the health check and no other", c, size)
	}
	var found []string
	for _, c := range closes.all() {
		found = append(found, c.at.Sub(blackholed).Round(time.Millisecond).String())
	}
	report(t, "health-check", "period=%v found_dead_after=[%s] replaced_after=%v calls_after=20 failed=0",
		period, strings.Join(found, ","), replaced.Sub(blackholed).Round(time.Millisecond))
}

// TestMaxLifetimeMovesConnectionsToPromotedStandby: the DSN names a
// standby and its primary with target_session_attrs=read-write, so every
// connection starts on the primary. The standby is promoted while the old
// primary stays up and reachable (a switchover that did not stop it, a
// load balancer still routing to it): connections already open stay
// where they are, and only their lifetime moves them. New connections go
// to the new primary, so for a while the pool's connections are spread
// over two hosts; within MaxLifetime plus its jitter of the promotion,
// every one of them must be on the new primary, with no call failing.
func TestMaxLifetimeMovesConnectionsToPromotedStandby(t *testing.T) {
	ctx := testContext(t)
	primary := pgtest.New(t, pgtest.Options{})
	db, err := primary.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	standby := primary.NewStandby(t)
	dsn, err := pgtest.WithAddr(primary.DatabaseDSN(db), standby.Addr()+","+primary.Addr())
	if err != nil {
		t.Fatal(err)
	}
	const app = "momoko-lifetime-failover"
	dsn = withParams(t, dsn, "target_session_attrs", "read-write", "connect_timeout", "2", "application_name", app)
	onPrimary, onStandby := adminConn(t, ctx, primary.DatabaseDSN(db)), adminConn(t, ctx, standby.DatabaseDSN(db))

	leaks := leakCheck(t)
	const size, lifetime, jitter = 4, 2 * time.Second, time.Second
	p, err := pool.Open(ctx, dsn, pool.Options{Size: size, MaxLifetime: lifetime, MaxLifetimeJitter: jitter, HealthCheckPeriod: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	// A dial tries the standby first and leaves it when it finds it read
	// only: that backend may take a moment to go.
	waitFor(t, 5*time.Second, "every connection on the primary before the promotion", func() bool {
		return appConns(t, ctx, onPrimary, app) == size && appConns(t, ctx, onStandby, app) == 0
	})

	newPort := portOf(t, standby.Addr())
	type call struct {
		start time.Time
		port  int
	}
	var mu sync.Mutex
	var log []call
	var errs errorList
	stop := repeatCalls(4, func(int) time.Duration {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		start := time.Now()
		cur, err := p.Execute(cctx, "SELECT inet_server_port()").Await(cctx)
		var port int
		if err == nil {
			err = cur.FetchOne(&port)
		}
		errs.add(err)
		mu.Lock()
		log = append(log, call{start, port})
		mu.Unlock()
		return 5 * time.Millisecond // steady load, not a spin
	})

	if err := standby.Promote(ctx); err != nil {
		stop()
		p.Close()
		t.Fatal(err)
	}
	promoted := time.Now()
	spreadSeen := false
	var moved time.Time
	waitFor(t, lifetime+jitter+3*time.Second, "every connection on the new primary", func() bool {
		old, now := appConns(t, ctx, onPrimary, app), appConns(t, ctx, onStandby, app)
		spreadSeen = spreadSeen || (old > 0 && now > 0)
		if old == 0 && now == size {
			moved = time.Now()
			return true
		}
		return false
	})
	// Calls begun from now on all run on the new primary.
	settled := time.Now()
	waitFor(t, 5*time.Second, "calls on the new primary", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(log, func(c call) bool { return c.start.After(settled) })
	})
	stop()
	stats := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	if n, first := errs.result(); n > 0 {
		t.Errorf("%d of %d calls failed, the first with: %v", n, len(log), first)
	}
	if took := moved.Sub(promoted); took > lifetime+jitter+time.Second {
		t.Errorf("every connection on the new primary %v after the promotion, want within MaxLifetime + jitter + 1s", took)
	}
	var after, elsewhere int
	for _, c := range log {
		if c.start.After(settled) {
			after++
			if c.port != newPort {
				elsewhere++
			}
		}
	}
	if elsewhere > 0 {
		t.Errorf("%d of %d calls after the move ran on port other than the new primary's %d", elsewhere, after, newPort)
	}
	if !spreadSeen {
		t.Log("the connections moved between two polls: no moment with connections on both hosts was seen")
	}
	report(t, "lifetime-failover", "calls=%d failed=0 lifetime_closes=%d all_on_new_primary_after=%v (MaxLifetime %v + jitter %v) spread_over_two_hosts_seen=%v",
		len(log), stats.Closes.Lifetime, moved.Sub(promoted).Round(time.Millisecond), lifetime, jitter, spreadSeen)
}

// closeLog is a slog handler keeping the pool's "connection closed"
// records.
type closeLog struct {
	mu     sync.Mutex
	closes []closeRecord
}

type closeRecord struct {
	at    time.Time
	cause string
	age   time.Duration
	pid   uint32
}

func (l *closeLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *closeLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *closeLog) WithGroup(string) slog.Handler            { return l }

func (l *closeLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "momoko: connection closed" {
		return nil
	}
	c := closeRecord{at: r.Time}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "cause":
			c.cause = a.Value.String()
		case "age":
			c.age = a.Value.Duration()
		case "pid":
			c.pid = uint32(a.Value.Uint64())
		}
		return true
	})
	l.mu.Lock()
	l.closes = append(l.closes, c)
	l.mu.Unlock()
	return nil
}

func (l *closeLog) all() []closeRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.closes)
}

// find is the record of server process pid's connection; nil if none.
func (l *closeLog) find(pid int) *closeRecord {
	for _, c := range l.all() {
		if c.pid == uint32(pid) {
			return &c
		}
	}
	return nil
}

// errorList counts the errors of concurrent callers and keeps the first.
type errorList struct {
	mu    sync.Mutex
	n     int
	first error
}

func (e *errorList) add(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == 0 {
		e.first = err
	}
	e.n++
}

func (e *errorList) result() (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n, e.first
}

// backendPIDOf is c's server process; an error goes to errs.
func backendPIDOf(ctx context.Context, c *pool.Conn, errs *errorList) int {
	var pid int
	cur, err := c.Execute(ctx, "SELECT pg_backend_pid()").Await(ctx)
	if err == nil {
		err = cur.FetchOne(&pid)
	}
	errs.add(err)
	return pid
}

// adminConn is a connection of the test's own, closed at cleanup.
func adminConn(t *testing.T, ctx context.Context, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// appConns counts the server's connections with application_name app.
func appConns(t *testing.T, ctx context.Context, conn *pgx.Conn, app string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
