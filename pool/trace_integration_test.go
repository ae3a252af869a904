package pool_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// span is one statement a recordingTracer saw.
type span struct {
	sql    string
	args   []any
	caller any // the callerKey value of the caller's context
	ended  int
	tag    string
	err    error
	times  *pool.QueryTimes
}

type (
	spanKey   struct{}
	callerKey struct{}
)

// recordingTracer records what a pgx tracer is told, as otelpgx would
// make spans of it.
type recordingTracer struct {
	mu       sync.Mutex
	spans    []*span
	prepares int
	prepEnds int
}

func (rt *recordingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s := &span{sql: d.SQL, args: d.Args, caller: ctx.Value(callerKey{})}
	rt.mu.Lock()
	rt.spans = append(rt.spans, s)
	rt.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, s)
}

func (rt *recordingTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	s := ctx.Value(spanKey{}).(*span)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	s.ended++
	s.tag, s.err = d.CommandTag.String(), d.Err
}

func (rt *recordingTracer) TraceQueryTimes(ctx context.Context, _ *pgx.Conn, times pool.QueryTimes) {
	s := ctx.Value(spanKey{}).(*span)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	s.times = &times
}

func (rt *recordingTracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.prepares++
	return ctx
}

func (rt *recordingTracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.prepEnds++
}

// of is the spans of the caller whose context carried caller.
func (rt *recordingTracer) of(caller string) []span {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []span
	for _, s := range rt.spans {
		if s.caller == caller {
			out = append(out, *s)
		}
	}
	return out
}

// tracedPool opens a pool on dsn whose ConnConfig carries rt.
func tracedPool(t *testing.T, ctx context.Context, dsn string, rt *recordingTracer, opts pool.Options) *pool.Pool {
	t.Helper()
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = rt
	p, err := pool.OpenWithConfig(ctx, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// wantSpans checks that caller's statements were traced, in order, each
// ended once with its outcome.
func wantSpans(t *testing.T, rt *recordingTracer, caller string, want ...string) []span {
	t.Helper()
	got := rt.of(caller)
	var sqls []string
	for _, s := range got {
		sqls = append(sqls, s.sql)
		if s.ended != 1 {
			t.Errorf("%s: %q ended %d times, want once", caller, s.sql, s.ended)
		}
	}
	if strings.Join(sqls, "; ") != strings.Join(want, "; ") {
		t.Fatalf("%s: traced %q, want %q", caller, sqls, want)
	}
	return got
}

func TestTracerSeesEveryPath(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	rt := &recordingTracer{}
	p := tracedPool(t, ctx, dsn, rt, pool.Options{Size: 2, MaxSize: 4})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE traced (n int)"))
	await(t, ctx, p.Execute(ctx, "CREATE FUNCTION twice(n int) RETURNS int LANGUAGE sql AS 'SELECT 2 * n'"))
	as := func(caller string) context.Context { return context.WithValue(ctx, callerKey{}, caller) }

	t.Run("pipelined", func(t *testing.T) {
		c := as("pipelined")
		await(t, c, p.Execute(c, "SELECT $1::int", 7))
		s := wantSpans(t, rt, "pipelined", "SELECT $1::int")[0]
		if s.tag != "SELECT 1" || s.err != nil || len(s.args) != 1 || s.args[0] != 7 {
			t.Errorf("span %+v, want tag SELECT 1, args [7], no error", s)
		}
		if s.times == nil {
			t.Errorf("no QueryTimes for a pipelined statement")
		}
	})
	t.Run("pgx itself", func(t *testing.T) {
		c := as("simple")
		await(t, c, p.Execute(c, "SELECT $1::int", pgx.QueryExecModeSimpleProtocol, 7))
		wantSpans(t, rt, "simple", "SELECT $1::int")
	})
	t.Run("failure", func(t *testing.T) {
		c := as("failure")
		_, err := p.Execute(c, "SELECT 1/0").Await(c)
		if sqlState(err) != "22012" {
			t.Fatalf("got %v, want 22012", err)
		}
		if s := wantSpans(t, rt, "failure", "SELECT 1/0")[0]; sqlState(s.err) != "22012" {
			t.Errorf("span error %v, want SQLSTATE 22012", s.err)
		}
	})
	t.Run("transaction", func(t *testing.T) {
		c := as("tx")
		await(t, c, p.Transaction(c, []pool.Statement{{SQL: "INSERT INTO traced VALUES ($1)", Args: []any{1}}, {SQL: "SELECT count(*) FROM traced"}}))
		wantSpans(t, rt, "tx", "BEGIN", "INSERT INTO traced VALUES ($1)", "SELECT count(*) FROM traced", "COMMIT")
	})
	t.Run("failed transaction", func(t *testing.T) {
		c := as("txfail")
		_, err := p.Transaction(c, []pool.Statement{{SQL: "SELECT 1/0"}, {SQL: "SELECT 2"}}).Await(c)
		if sqlState(err) != "22012" {
			t.Fatalf("got %v, want 22012", err)
		}
		spans := wantSpans(t, rt, "txfail", "BEGIN", "SELECT 1/0", "SELECT 2", "COMMIT")
		for _, s := range spans[2:] {
			if s.err == nil {
				t.Errorf("%q, skipped by the server, traced without an error", s.sql)
			}
		}
	})
	t.Run("callproc", func(t *testing.T) {
		c := as("callproc")
		await(t, c, p.CallProc(c, "twice", 21))
		// The first call looks up whether it is a function or a procedure.
		s := rt.of("callproc")
		if len(s) != 2 || !strings.Contains(s[1].sql, `"twice"`) || s[0].ended != 1 || s[1].ended != 1 {
			t.Fatalf("CallProc traced as %+v", s)
		}
	})
	t.Run("conn", func(t *testing.T) {
		c := as("conn")
		conn := await(t, c, p.GetConn(c, pool.WithoutPing()))
		defer p.PutConn(conn)
		await(t, c, conn.Execute(c, "SELECT 1"))
		await(t, c, conn.Execute(c, "SELECT 2"))
		wantSpans(t, rt, "conn", "SELECT 1", "SELECT 2")
	})
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.prepares == 0 || rt.prepares != rt.prepEnds {
		t.Errorf("%d Prepares traced, %d ended", rt.prepares, rt.prepEnds)
	}
}

// TestTracerSeesReplicaReads: a standby's reads are traced by the
// primary's tracer.
func TestTracerSeesReplicaReads(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	rt := &recordingTracer{}
	p := tracedPool(t, ctx, rs.primaryDSN(), rt, pool.Options{Size: 1, Replicas: pool.ReplicaOptions{Standbys: rs.standbyDSNs()}})
	waitUsable(t, p, true)
	c := context.WithValue(ctx, callerKey{}, "replica")
	standbyPort := portOf(t, rs.standbys[0].Addr())
	port, err := readPort(c, p.Replica())
	if err != nil {
		t.Fatal(err)
	}
	if port != standbyPort {
		t.Fatalf("read on port %d, want the standby's %d", port, standbyPort)
	}
	if s := rt.of("replica"); len(s) != 1 || s[0].ended != 1 || s[0].err != nil {
		t.Fatalf("replica read traced as %+v", s)
	}
}

// TestLatencyHistogramsAddUp: every request given to the pool is in the
// statement histogram, and the breakdown of the pipelined ones adds up to
// their time.
func TestLatencyHistogramsAddUp(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 2})
	pool.MarkFast(p, "SELECT $1::int")
	const calls = 200
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			if _, err := p.Execute(ctx, "SELECT $1::int", i).Await(ctx); err != nil {
				errs <- fmt.Errorf("call %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	conn := await(t, ctx, p.GetConn(ctx))
	if err := p.PutConn(conn); err != nil {
		t.Fatal(err)
	}
	s := p.Stats()
	lat := s.Latency
	t.Logf("statements %d, pipelined %d; p50 %v, p99 %v; breakdown %+v", s.Statements, s.Pipelined,
		lat.Statement.Quantile(0.5), lat.Statement.Quantile(0.99), lat.Breakdown)
	if lat.Statement.Count != s.Statements {
		t.Errorf("statement histogram counts %d, Statements %d", lat.Statement.Count, s.Statements)
	}
	if b := lat.Breakdown; b.Requests != s.Statements {
		t.Errorf("breakdown of %d requests, want all %d", b.Requests, s.Statements)
	}
	if lat.Wait.Count != s.Queue.Waits {
		t.Errorf("wait histogram counts %d, Queue.Waits %d", lat.Wait.Count, s.Queue.Waits)
	}
	if lat.Create.Count != s.Opens || lat.Use.Count != 1 {
		t.Errorf("create %d (Opens %d), use %d (want 1)", lat.Create.Count, s.Opens, lat.Use.Count)
	}
}

// TestBreakdownIsTheStatementTime: without other requests, the sum of a
// pipelined request's Queued, Behind and Server is its time.
func TestBreakdownIsTheStatementTime(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	for range 20 {
		await(t, ctx, p.Execute(ctx, "SELECT 1"))
	}
	lat := p.Stats().Latency
	b := lat.Breakdown
	if b.Requests != lat.Statement.Count || b.Queued+b.Behind+b.Server != lat.Statement.Sum {
		t.Fatalf("breakdown %+v of %d requests, statement time %v of %d", b, b.Requests, lat.Statement.Sum, lat.Statement.Count)
	}
}
