package resilience_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCutWithPipelineInFlight cuts every connection while a pipeline is
// in flight on one of them and sixteen callers share the others. The
// pipeline is built, not hoped for: on a Conn of its own, a statement
// that waits for an advisory lock another session holds goes out with
// INSERTs behind it in one write, and more INSERTs queue behind those,
// unwritten. The ledger must stay exact: an INSERT that succeeded is in
// the table once; one written before the cut fails with
// driver.ErrConnectionLost and is there at most once (the server may run
// it once the lock is free); one never written fails as safe to retry,
// with pool.ErrConnClosed for the Conn's, and is not there (a shared
// caller's may have run on another connection instead); none is there
// twice.
func TestCutWithPipelineInFlight(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn, direct := proxied(t, srv, "connect_timeout", "2")
	execAdmin(t, ctx, srv, databaseName(t, direct), createOps)
	// The lock holder talks to the server directly: the cuts spare it.
	holder, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(context.WithoutCancel(ctx))

	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 2, MaxSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	w := &workload{pool: p, callers: 16, opTimeout: 5 * time.Second, afterFailure: 5 * time.Millisecond}
	w.start(ctx)
	const cuts = 5
	var cutConns int64
	var lost, unsent int
	for i := range cuts {
		// The callers get going again between cuts.
		from := p.Stats().Statements
		waitFor(t, 20*time.Second, "service before the cut", func() bool { return p.Stats().Statements >= from+50 })
		c := pipelineAtCut(t, ctx, p, proxy, holder, &w.ledger, int64(i+1))
		cutConns += c.conns
		lost += c.lost
		unsent += c.unsent
		t.Logf("cut %d: %d connections", i+1, c.conns)
	}
	from := p.Stats().Statements
	waitFor(t, 20*time.Second, "service after the last cut", func() bool {
		return p.Stats().Statements >= from+100
	})
	ops := w.finish()
	stats := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	for _, o := range ops {
		if o.caller != pinnedCaller && errors.Is(o.err, driver.ErrConnectionLost) {
			lost++
		}
	}
	conn, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	report(t, "pipeline-cut", "%v cut_conns=%d connection_lost=%d unsent_on_conn=%d pipelined=%d deepest=%d",
		check, cutConns, lost, unsent, stats.Pipelined, stats.DeepestPipeline)
}

// pinnedCaller is the ledger's caller number for the Conn's INSERTs.
const pinnedCaller = 1000

// The Conn's pipeline at each cut: written INSERTs behind the lock wait,
// and unwritten ones queued behind them.
const (
	cutWritten   = 8
	cutUnwritten = 4
	lockSQL      = "SELECT pg_advisory_xact_lock($1)"
	insertSQL    = "INSERT INTO ops (id, caller) VALUES ($1, $2)"
)

type cutOutcome struct {
	conns        int64
	lost, unsent int
}

// pipelineAtCut builds a pipeline on a Conn of p, stalled behind advisory
// lock key that holder takes, cuts every connection of proxy, then frees
// the lock. Its INSERTs go into l.
func pipelineAtCut(t *testing.T, ctx context.Context, p *pool.Pool, proxy *faultproxy.Proxy, holder *pgx.Conn, l *ledger, key int64) cutOutcome {
	t.Helper()
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer func() { _ = p.PutConn(c) }()
	// A statement new to the connection waits for its Prepare's answer,
	// which would come only after the lock wait: both are prepared first.
	if _, err := c.Execute(ctx, lockSQL, -key).Await(ctx); err != nil {
		t.Fatalf("%s: %v", lockSQL, err)
	}
	insert := func(o op) *future.Future[*pool.Cursor] { return c.Execute(ctx, insertSQL, o.id, o.caller) }
	first := newInsert(l)
	first.err = awaitOp(ctx, insert(first))
	first.end = time.Now()
	l.add(first)
	if first.err != nil {
		t.Fatalf("%s: %v", insertSQL, first.err)
	}
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}

	// The Conn's goroutine is held in a Raw call while the pipeline is
	// submitted, so that it takes all of it up at once and writes it in
	// one go.
	entered, release, rawDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		rawDone <- c.Raw(func(*pgx.Conn) error {
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered
	head := c.Execute(ctx, lockSQL, key)
	written := make([]op, cutWritten)
	writtenF := make([]*future.Future[*pool.Cursor], cutWritten)
	for i := range written {
		written[i] = newInsert(l)
		writtenF[i] = insert(written[i])
	}
	close(release)
	if err := <-rawDone; err != nil {
		t.Fatalf("Raw: %v", err)
	}
	waitFor(t, 20*time.Second, "the pipeline's head to wait for the lock", func() bool {
		var waiting int
		err := holder.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid::int8 = $1", key).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting > 0
	})
	// The Conn's goroutine now reads; what comes now waits unwritten.
	unwritten := make([]op, cutUnwritten)
	unwrittenF := make([]*future.Future[*pool.Cursor], cutUnwritten)
	for i := range unwritten {
		unwritten[i] = newInsert(l)
		unwrittenF[i] = insert(unwritten[i])
	}
	if st := p.Stats(); st.DeepestPipeline < 1+cutWritten+cutUnwritten {
		t.Errorf("DeepestPipeline %d with %d statements on the Conn", st.DeepestPipeline, 1+cutWritten+cutUnwritten)
	}

	before := proxy.Stats().Cut
	proxy.CutAll()
	conns := proxy.Stats().Cut - before
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		t.Fatal(err)
	}

	if _, err := head.Await(ctx); !errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("the lock wait written before the cut: %v, want driver.ErrConnectionLost", err)
	}
	out := cutOutcome{conns: conns}
	for i, o := range written {
		o.err = awaitOp(ctx, writtenF[i])
		o.end = time.Now()
		l.add(o)
		if !errors.Is(o.err, driver.ErrConnectionLost) {
			t.Errorf("INSERT %d written before the cut: %v, want driver.ErrConnectionLost", o.id, o.err)
			continue
		}
		out.lost++
	}
	for i, o := range unwritten {
		o.err = awaitOp(ctx, unwrittenF[i])
		o.end = time.Now()
		l.add(o)
		if !errors.Is(o.err, pool.ErrConnClosed) || driver.Classify(o.err) != driver.ClassSafeToRetry {
			t.Errorf("INSERT %d never written: %v (class %v), want pool.ErrConnClosed, safe to retry", o.id, o.err, driver.Classify(o.err))
			continue
		}
		out.unsent++
	}
	return out
}

// newInsert is a fresh INSERT of the Conn's for l.
func newInsert(l *ledger) op {
	return op{caller: pinnedCaller, kind: opInsert, id: l.ids.Add(1), start: time.Now()}
}

func awaitOp(ctx context.Context, f *future.Future[*pool.Cursor]) error {
	_, err := f.Await(ctx)
	return err
}
