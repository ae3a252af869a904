package resilience_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestFailover runs writers against a primary with a streaming standby,
// through a DSN that names both with target_session_attrs=read-write, then
// stops the primary and promotes the standby. The pool must move to the
// new primary by itself, and every write acknowledged before, during or
// after the failover must be there exactly once.
//
// Replication is made synchronous once the standby streams, so that
// "acknowledged" means "on the standby too": what is tested is the pool,
// not PostgreSQL's asynchronous replication lag.
func TestFailover(t *testing.T) {
	ctx := testContext(t)
	primary, standby, db := withStandby(t, ctx, createOps)
	makeSynchronous(t, ctx, primary)

	dsn, err := pgtest.WithAddr(primary.DatabaseDSN(db), primary.Addr()+","+standby.Addr())
	if err != nil {
		t.Fatal(err)
	}
	dsn = withParams(t, dsn, "target_session_attrs", "read-write", "connect_timeout", "2")
	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 2, MaxSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if port := serverPort(t, ctx, p); port != portOf(t, primary.Addr()) {
		t.Fatalf("before the failover the pool writes to port %d, want the primary's %d", port, portOf(t, primary.Addr()))
	}

	const callers = 8
	w := &workload{pool: p, callers: callers, opTimeout: 5 * time.Second, afterFailure: 5 * time.Millisecond}
	begin := time.Now()
	w.start(ctx)
	sleepUntil(begin.Add(1500 * time.Millisecond))
	stopped := time.Now()
	if err := primary.Stop(ctx, pgtest.ShutdownFast); err != nil {
		w.finish()
		p.Close()
		t.Fatal(err)
	}
	stopTook := time.Since(stopped)
	promoteStart := time.Now()
	if err := standby.Promote(ctx); err != nil {
		w.finish()
		p.Close()
		t.Fatal(err)
	}
	promoted := time.Now()
	waitFor(t, 10*time.Second, "writes to resume", func() bool { return insertedAfter(w.ledger.snapshot(), promoted) })
	waitFor(t, 30*time.Second, "every caller to be served by the new primary", func() bool {
		return w.ledger.servedAgain(callers, promoted)
	})
	ops := w.finish()
	end := time.Now()

	port := serverPort(t, ctx, p)
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()
	if want := portOf(t, standby.Addr()); port != want {
		t.Errorf("after the failover the pool writes to port %d, want the promoted standby's %d", port, want)
	}

	full, firstOK := recovery(t, ops, callers, promoted, end)
	if full > recoveryBound {
		t.Errorf("full service %v after the standby was promoted, want <= %v", full, recoveryBound)
	}
	// The first write on the new primary: the first to start once the old
	// one was down.
	primaryDown := stopped.Add(stopTook)
	var firstWrite time.Time
	var ackedBefore int
	for _, o := range ops {
		if o.kind != opInsert || o.err != nil {
			continue
		}
		if o.end.Before(stopped) {
			ackedBefore++
		}
		if o.start.After(primaryDown) && (firstWrite.IsZero() || o.end.Before(firstWrite)) {
			firstWrite = o.end
		}
	}
	if ackedBefore == 0 {
		t.Error("no write was acknowledged before the failover")
	}
	conn, err := pgx.Connect(ctx, standby.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	report(t, "failover", "%v acked_before_failover=%d primary_stop=%v promote=%v failover_time=%v (primary stop begun to first write on the new primary) first_ok_after_promote=%v recovery_after_promote=%v",
		check, ackedBefore, stopTook.Round(time.Millisecond), promoted.Sub(promoteStart).Round(time.Millisecond),
		firstWrite.Sub(stopped).Round(time.Millisecond), firstOK.Round(time.Millisecond), full.Round(time.Millisecond))
}

func insertedAfter(ops []op, since time.Time) bool {
	for _, o := range ops {
		if o.kind == opInsert && o.err == nil && o.start.After(since) {
			return true
		}
	}
	return false
}

// serverPort is the port of the server a pooled connection is on.
func serverPort(t *testing.T, ctx context.Context, p *pool.Pool) int {
	t.Helper()
	cur, err := p.Execute(ctx, "SELECT inet_server_port()").Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var port int
	if err := cur.FetchOne(&port); err != nil {
		t.Fatal(err)
	}
	return port
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	port, err := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	if err != nil {
		t.Fatalf("bad address %q", addr)
	}
	return port
}

// queryString runs a one-value query on srv's default database.
func queryString(t *testing.T, ctx context.Context, srv *pgtest.Server, sql string) string {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
