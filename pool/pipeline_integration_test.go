package pool_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// warm makes the pool take query for fast and runs it until two calls of
// it submitted together are pipelined. The pool is told, not left to
// learn it: on a busy machine no statement may look fast.
func warm(t *testing.T, ctx context.Context, p *pool.Pool, query string, args ...any) {
	t.Helper()
	for range 200 {
		pool.MarkFast(p, query)
		before := p.Stats().Pipelined
		a, b := p.Execute(ctx, query, args...), p.Execute(ctx, query, args...)
		await(t, ctx, a)
		await(t, ctx, b)
		if p.Stats().Pipelined > before {
			return
		}
	}
	t.Fatalf("%s never became fast enough to be pipelined", query)
}

// fetchInt is the one value of a one-row, one-column result.
func fetchInt(t *testing.T, ctx context.Context, f *future.Future[*pool.Cursor]) int64 {
	t.Helper()
	var n int64
	if err := await(t, ctx, f).FetchOne(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPipelinedFailureFailsAlone: three callers' statements on one
// connection, the middle one failing (division by zero), are written as
// one pipeline, each followed by its own Sync: the failure ends only its
// own implicit transaction, and the neighbours before and after it get
// their results. A round counts as pipelined when the pool reports both
// later statements as written while another was in flight; the test needs
// such rounds to prove anything, and checks every round's results.
func TestPipelinedFailureFailsAlone(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	const query = "SELECT 100 / $1::int"
	warm(t, ctx, p, query, 1)

	const wantPipelined = 20
	pipelined, rounds := 0, 0
	for ; rounds < 500 && pipelined < wantPipelined; rounds++ {
		before := p.Stats().Pipelined
		first, failing, last := p.Execute(ctx, query, 1), p.Execute(ctx, query, 0), p.Execute(ctx, query, 4)
		if got := fetchInt(t, ctx, first); got != 100 {
			t.Fatalf("round %d: statement before the failure returned %d, want 100", rounds, got)
		}
		_, err := failing.Await(ctx)
		if state := sqlState(err); state != pgerrcode.DivisionByZero {
			t.Fatalf("round %d: failing statement: %v (SQLSTATE %q), want SQLSTATE %s", rounds, err, state, pgerrcode.DivisionByZero)
		}
		if got := fetchInt(t, ctx, last); got != 25 {
			t.Fatalf("round %d: statement after the failure returned %d, want 25", rounds, got)
		}
		if p.Stats().Pipelined-before == 2 {
			pipelined++
		}
	}
	if pipelined < wantPipelined {
		t.Fatalf("only %d of %d rounds had all three statements in one pipeline", pipelined, rounds)
	}
	if st := p.Stats(); st.Busy != 0 || st.Free != 1 {
		t.Fatalf("after the rounds: %v, want the one connection free", st)
	}
	t.Logf("%d rounds for %d fully pipelined ones", rounds, pipelined)
}

// TestCancelledPipelinedStatementLeavesNeighboursIntact: of three
// statements in one pipeline, the middle one is cancelled while the first
// still runs on the server. Its future resolves with context.Canceled at
// once, before its neighbours have results; no CancelRequest is sent (the
// first statement is not alone in flight), so both neighbours get theirs.
func TestCancelledPipelinedStatementLeavesNeighboursIntact(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	// A run in which the pool did not pipeline the three (a slow moment
	// made the statement count as slow) proves nothing: it is tried again,
	// with another SQL text, since the sleep makes this one slow.
	for attempt := range 5 {
		tag := fmt.Sprintf("/* attempt %d */", attempt)
		query := "SELECT $1::int " + tag + " FROM pg_sleep($2::float8)"
		warm(t, ctx, p, query, 0, 0.0)
		running := func() bool { return runningOnServer(t, ctx, srv, databaseName(t, dsn), tag) }
		if cancelBetweenNeighbours(t, ctx, p, query, running) {
			return
		}
	}
	t.Fatal("in 5 attempts the three statements were never in one pipeline")
}

// cancelBetweenNeighbours runs one attempt of
// TestCancelledPipelinedStatementLeavesNeighboursIntact, reporting false
// if the statements were not pipelined. running reports whether the
// first statement runs on the server.
func cancelBetweenNeighbours(t *testing.T, ctx context.Context, p *pool.Pool, query string, running func() bool) bool {
	t.Helper()
	before := p.Stats().Pipelined
	// The first statement sleeps long enough for the other two to be
	// written behind it and for the cancel to land while it runs.
	first := p.Execute(ctx, query, 1, 0.5)
	cancelCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cancelled := p.Execute(cancelCtx, query, 2, 0.0)
	last := p.Execute(ctx, query, 3, 0.0)
	deadline := time.Now().Add(300 * time.Millisecond)
	for p.Stats().Pipelined-before < 2 {
		if time.Now().After(deadline) {
			for _, f := range []*future.Future[*pool.Cursor]{first, cancelled, last} {
				await(t, ctx, f)
			}
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, 5*time.Second, "the first statement running on the server", running)
	cancel()
	if _, err := cancelled.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled statement: %v, want context.Canceled", err)
	}
	for name, f := range map[string]*future.Future[*pool.Cursor]{"first": first, "last": last} {
		if _, err := f.Result(); !errors.Is(err, future.ErrNotDone) {
			t.Fatalf("the %s statement finished before the cancelled one resolved (%v): the cancel did not resolve at once", name, err)
		}
	}
	if got := fetchInt(t, ctx, first); got != 1 {
		t.Fatalf("first statement returned %d, want 1", got)
	}
	if got := fetchInt(t, ctx, last); got != 3 {
		t.Fatalf("last statement returned %d, want 3", got)
	}
	if got := execInt(t, ctx, p, "SELECT 7"); got != 7 {
		t.Fatalf("the connection after the cancel returned %d, want 7", got)
	}
	return true
}

// countedValue is a driver.Valuer that counts its calls.
type countedValue struct{ calls *atomic.Int64 }

func (v countedValue) Value() (driver.Value, error) {
	v.calls.Add(1)
	return int64(7), nil
}

// TestValuerRunsOncePerExecute: a driver.Valuer argument is converted once
// per call, on the first (unprepared) run of a statement, on its cached
// runs, on a Conn and in a Transaction alike.
func TestValuerRunsOncePerExecute(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	var calls atomic.Int64
	v := countedValue{&calls}
	want := int64(0)
	check := func(what string) {
		t.Helper()
		want++
		if got := calls.Load(); got != want {
			t.Fatalf("%s: Value called %d times in all, want %d (once per call)", what, got, want)
		}
	}
	for i := range 5 {
		if got := execInt(t, ctx, p, "SELECT $1::int", v); got != 7 {
			t.Fatalf("Execute returned %d, want 7", got)
		}
		check(fmt.Sprintf("Execute #%d", i+1))
	}
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "SELECT $1::int", v))
	check("Conn.Execute")
	await(t, ctx, p.Transaction(ctx, []pool.Statement{{SQL: "SELECT $1::int", Args: []any{v}}}))
	check("Transaction")
}

// TestCancelledLongStatementLeavesNeighbourIntact: a statement known to be
// fast that runs long this time (as one waiting for a lock does) has a
// neighbour pipelined behind it when its caller cancels it. The cancelled
// caller gets context.Canceled at once; the neighbour, never cancelled,
// must get its result once the long statement ends on the server, however
// long that takes beyond the pool's one-second grace for a cancelled
// statement that makes no progress.
func TestCancelledLongStatementLeavesNeighbourIntact(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	// An attempt in which the neighbour was not yet written when the
	// cancel came proves nothing (the long statement was then alone in
	// flight and cancelled on the server): it is tried again, with another
	// SQL text, since the long run makes this one slow.
	for attempt := range 5 {
		query := fmt.Sprintf("SELECT $1::int /* long %d */ FROM pg_sleep($2::float8)", attempt)
		warm(t, ctx, p, query, 0, 0.0)
		start := time.Now()
		cancelCtx, cancel := context.WithCancel(ctx)
		long := p.Execute(cancelCtx, query, 1, 2.0)
		neighbour := p.Execute(ctx, query, 2, 0.0)
		waitFor(t, 5*time.Second, "the long statement running on the server", func() bool {
			return runningOnServer(t, ctx, srv, databaseName(t, dsn), fmt.Sprintf("/* long %d */", attempt))
		})
		cancel()
		if _, err := long.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled statement: %v, want context.Canceled", err)
		}
		cur, err := neighbour.Await(ctx)
		if err != nil {
			t.Fatalf("neighbour of the cancelled statement: %v, want its result", err)
		}
		var got int64
		if err := cur.FetchOne(&got); err != nil || got != 2 {
			t.Fatalf("neighbour returned %d (%v), want 2", got, err)
		}
		if time.Since(start) >= 2*time.Second {
			return // the neighbour waited behind the whole long statement
		}
	}
	t.Fatal("in 5 attempts the neighbour was never written behind the long statement before the cancel")
}

// runningOnServer reports whether a statement containing fragment is
// running in database, seen from another connection.
func runningOnServer(t *testing.T, ctx context.Context, srv *pgtest.Server, database, fragment string) bool {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() AND position($2 in query) > 0`,
		database, fragment).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}
