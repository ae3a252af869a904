package pool_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// Read groups (Options.ReadGroups) against a real server. A group opens
// only behind work in flight on a connection, and only fast statements
// join one, so the tests use one connection, tell the pool the statements
// are fast (pool.MarkFast, before every round: one slow run on a loaded
// machine makes a statement slow at once), and send many callers at once.
// Every test that needs groups checks through Stats.ReadGroups that they
// did form: one in which none formed proves nothing.

// groupCallers is how many callers a round sends at once.
const groupCallers = 32

// groupRounds bounds the rounds a test runs while waiting for groups to
// form (or to fail) as it needs.
const groupRounds = 300

// groupPool opens a pool with read groups on, of one connection unless
// opts say otherwise.
func groupPool(t *testing.T, ctx context.Context, dsn string, opts pool.Options) *pool.Pool {
	t.Helper()
	opts.ReadGroups = true
	if opts.Size == 0 {
		opts.Size, opts.MaxSize = 1, 1
	}
	return openPool(t, ctx, dsn, opts)
}

// markFast makes p take each of sqls for a fast statement.
func markFast(p *pool.Pool, sqls ...string) {
	for _, sql := range sqls {
		pool.MarkFast(p, sql)
	}
}

// groupOutcome is one caller's outcome: the one int its statement
// returned (0 for a void), or its error.
type groupOutcome struct {
	v   int64
	err error
}

// executor is Pool.Execute or Conn.Execute.
type executor func(ctx context.Context, query string, args ...any) *future.Future[*pool.Cursor]

// groupBurst runs n callers at once, caller i running the statement
// stmt(i) gives through exec, and returns their outcomes in order.
func groupBurst(ctx context.Context, exec executor, n int, stmt func(i int) (string, []any)) []groupOutcome {
	out := make([]groupOutcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		sql, args := stmt(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = outcomeOf(exec(ctx, sql, args...).Await(ctx))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// groupInOrder is groupBurst with the calls made one after the other by
// one caller before it waits for any: they reach the connection in that
// order.
func groupInOrder(ctx context.Context, exec executor, n int, stmt func(i int) (string, []any)) []groupOutcome {
	futures := make([]*future.Future[*pool.Cursor], n)
	for i := range n {
		sql, args := stmt(i)
		futures[i] = exec(ctx, sql, args...)
	}
	out := make([]groupOutcome, n)
	for i, f := range futures {
		out[i] = outcomeOf(f.Await(ctx))
	}
	return out
}

func outcomeOf(cur *pool.Cursor, err error) groupOutcome {
	if err != nil {
		return groupOutcome{err: err}
	}
	var v any
	if err := cur.FetchOne(&v); err != nil {
		return groupOutcome{err: err}
	}
	switch v := v.(type) {
	case int64:
		return groupOutcome{v: v}
	case int32:
		return groupOutcome{v: int64(v)}
	case nil, string:
		return groupOutcome{} // void
	}
	return groupOutcome{err: fmt.Errorf("unexpected value %v (%T)", v, v)}
}

// groupStats is what a test reads of Stats.ReadGroups.
func groupStats(p *pool.Pool) pool.ReadGroupCounts { return p.Stats().ReadGroups }

const (
	groupRead = "SELECT $1::int"
	// groupFail divides by its argument: by 0 it fails with 22012.
	groupFail = "SELECT 1/$1::int"
)

// primeFail runs groupFail alone and successfully, so that it is
// prepared: a statement that failed is prepared again on its next use,
// and that Prepare ends any group and holds it until nothing is in flight
// ahead of it, where no group takes it.
func primeFail(t *testing.T, ctx context.Context, p *pool.Pool) {
	t.Helper()
	if got := execInt(t, ctx, p, groupFail, 1); got != 1 {
		t.Fatalf("%s with 1 returned %d", groupFail, got)
	}
}

// checkReads fails the test unless every outcome is its caller's own
// number, or for the callers failing says, SQLSTATE 22012.
func checkReads(t *testing.T, round int, out []groupOutcome, want func(i int) int64, failing func(i int) bool) {
	t.Helper()
	for i, o := range out {
		if failing != nil && failing(i) {
			if state := sqlState(o.err); state != pgerrcode.DivisionByZero {
				t.Fatalf("round %d: caller %d: %v (SQLSTATE %q), want SQLSTATE %s", round, i, o.err, state, pgerrcode.DivisionByZero)
			}
			continue
		}
		if o.err != nil || o.v != want(i) {
			t.Fatalf("round %d: caller %d got %d (%v), want %d", round, i, o.v, o.err, want(i))
		}
	}
}

// groupsForm sends reads until one joins a group: the connection has its
// guard prepared, and will group what comes next behind work in flight.
func groupsForm(t *testing.T, ctx context.Context, p *pool.Pool) {
	t.Helper()
	before := groupStats(p).Statements
	for r := range groupRounds {
		markFast(p, groupRead)
		checkReads(t, r, groupInOrder(ctx, p.Execute, groupCallers, func(i int) (string, []any) { return groupRead, []any{i} }),
			func(i int) int64 { return int64(i) }, nil)
		if groupStats(p).Statements > before {
			return
		}
	}
	t.Fatalf("no read group formed in %d rounds", groupRounds)
}

// TestReadGroupNeverTakesConnOrTransactionStatements: statements given to
// a Conn keep their order and their own Syncs, and a Transaction its
// BEGIN and COMMIT: neither is ever grouped, on a pool whose own reads
// group.
func TestReadGroupNeverTakesConnOrTransactionStatements(t *testing.T) {
	ctx := testContext(t)
	p := groupPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	warm(t, ctx, p, groupRead, 1)
	want := func(i int) int64 { return int64(i) }
	read := func(i int) (string, []any) { return groupRead, []any{i} }
	groupsForm(t, ctx, p)

	before := p.Stats()
	c := await(t, ctx, p.GetConn(ctx))
	for r := range 5 {
		markFast(p, groupRead)
		checkReads(t, r, groupInOrder(ctx, c.Execute, groupCallers, read), want, nil)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.ReadGroups != before.ReadGroups {
		t.Fatalf("a Conn's statements were grouped: %+v, then %+v", before.ReadGroups, st.ReadGroups)
	}

	for r := range 5 {
		markFast(p, groupRead)
		futures := make([]*future.Future[[]*pool.Cursor], groupCallers)
		for i := range futures {
			futures[i] = p.Transaction(ctx, []pool.Statement{{SQL: groupRead, Args: []any{i}}})
		}
		for i, f := range futures {
			var got int64
			if err := await(t, ctx, f)[0].FetchOne(&got); err != nil || got != int64(i) {
				t.Fatalf("round %d: transaction %d returned %d (%v)", r, i, got, err)
			}
		}
	}
	after := p.Stats()
	t.Logf("Conn and Transaction rounds: %+v, then %+v; %d statements, %d pipelined", before.ReadGroups, after.ReadGroups,
		after.Statements-before.Statements, after.Pipelined-before.Pipelined)
	if after.ReadGroups != before.ReadGroups {
		t.Fatalf("a Transaction was grouped: %+v, then %+v", before.ReadGroups, after.ReadGroups)
	}
}

// TestReadGroupParallelSleepsRunOnThreeBackends: the tutorial's promise
// with groups on. Three slow statements issued together on a pool of
// three connections run at once, each on its own backend; none is
// grouped, nor pipelined behind another.
func TestReadGroupParallelSleepsRunOnThreeBackends(t *testing.T) {
	ctx := testContext(t)
	p := groupPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 3, MaxSize: 3})
	const sleep = "SELECT pg_backend_pid() FROM pg_sleep(0.2)"
	for round := range 3 {
		before := p.Stats()
		start := time.Now()
		cursors, err := future.All(ctx, p.Execute(ctx, sleep), p.Execute(ctx, sleep), p.Execute(ctx, sleep))
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		pids := map[int64]bool{}
		for _, cur := range cursors {
			var pid int64
			if err := cur.FetchOne(&pid); err != nil {
				t.Fatal(err)
			}
			pids[pid] = true
		}
		after := p.Stats()
		t.Logf("round %d: 3 sleeps of 0.2s took %v together, on backends %v", round, took.Round(time.Millisecond), pids)
		if len(pids) != 3 {
			t.Fatalf("round %d: the three sleeps ran on %d backends, want 3", round, len(pids))
		}
		if after.ReadGroups != before.ReadGroups || after.Pipelined != before.Pipelined {
			t.Fatalf("round %d: slow statements grouped or pipelined: %+v, then %+v", round, before, after)
		}
	}
}
