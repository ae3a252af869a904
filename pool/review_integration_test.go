package pool_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// Found by reviewing the pool core: each failed on it before its fix.

// waitForQuery waits until the server runs query on database.
func waitForQuery(t *testing.T, ctx context.Context, srv *pgtest.Server, database, query string) {
	t.Helper()
	waitFor(t, 10*time.Second, "the server to run "+query, func() bool {
		return runningOnServer(t, ctx, srv, database, query)
	})
}

// TestConnWorkNeverRunsElsewhere: statements submitted on a Conn belong
// to its session; when its connection breaks after PutConn, those not yet
// written must fail, not run on another pooled connection (where an
// INSERT of a broken transaction would commit on its own).
func TestConnWorkNeverRunsElsewhere(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 2})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE t (x int)"))
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := connPID(t, ctx, c)
	fs := []*future.Future[*pool.Cursor]{c.Execute(ctx, "BEGIN"), c.Execute(ctx, "SELECT pg_sleep(2)"),
		c.Execute(ctx, "INSERT INTO t VALUES (1)"), c.Execute(ctx, "COMMIT")}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	waitForQuery(t, ctx, srv, databaseName(t, dsn), "SELECT pg_sleep(2)")
	await(t, ctx, p.Execute(ctx, "SELECT pg_terminate_backend($1)", pid))
	for i, f := range fs[2:] {
		if _, err := f.Await(ctx); !errors.Is(err, pool.ErrConnClosed) && !errors.Is(err, driver.ErrBadConn) {
			t.Errorf("statement %d after the break: %v, want one never sent", i+2, err)
		}
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("the INSERT of a transaction whose connection broke ran elsewhere: %d row(s)", n)
	}
}

// cancelOnValue cancels another request while its own argument is being
// encoded, between two writes of the owner.
type cancelOnValue struct {
	cancel context.CancelFunc
	wait   time.Duration
}

func (v cancelOnValue) Value() (driver.Value, error) { v.cancel(); time.Sleep(v.wait); return "b", nil }

// TestCancelNeverLandsOnTheNextStatement: A is cancelled while B, behind
// it, is being encoded; the CancelRequest for A must not land on B.
func TestCancelNeverLandsOnTheNextStatement(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "SELECT pg_sleep(0.05)"))
	await(t, ctx, c.Execute(ctx, "SELECT 1"))
	await(t, ctx, c.Execute(ctx, "SELECT pg_sleep(0.3), $1::text", "x"))
	for i := range 10 {
		actx, cancelA := context.WithCancel(ctx)
		x := c.Execute(ctx, "SELECT pg_sleep(0.05)")
		a := c.Execute(actx, "SELECT 1")
		b := c.Execute(ctx, "SELECT pg_sleep(0.3), $1::text",
			cancelOnValue{cancelA, time.Duration(i%5) * 300 * time.Microsecond})
		x.Await(ctx)
		a.Await(ctx)
		if _, err := b.Await(ctx); err != nil {
			t.Fatalf("round %d: the statement after a cancelled one failed: %v (SQLSTATE %s)", i, err, sqlState(err))
		}
	}
}

// TestFetchDescribesEachRun: a FETCH prepared against one cursor must not
// decode the rows of a later cursor of the same name with the first one's
// types.
func TestFetchDescribesEachRun(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	await(t, ctx, c.Execute(ctx, "DECLARE c CURSOR FOR SELECT 7::int4 AS n"))
	var n int32
	if err := await(t, ctx, c.Execute(ctx, "FETCH 1 FROM c")).FetchOne(&n); err != nil || n != 7 {
		t.Fatalf("first FETCH: %v %v", n, err)
	}
	await(t, ctx, c.Execute(ctx, "CLOSE c"))
	await(t, ctx, c.Execute(ctx, "DECLARE c CURSOR FOR SELECT 'abcd'::text AS s"))
	var s any
	err = await(t, ctx, c.Execute(ctx, "FETCH 1 FROM c")).FetchOne(&s)
	if s != "abcd" {
		t.Fatalf("second FETCH decoded with the first cursor's fields: %#v, %v", s, err)
	}
	await(t, ctx, c.Execute(ctx, "ROLLBACK"))
}

// TestTransactionLargerThanTheStatementCache resolves: preparing more
// statements than a connection keeps would evict the first before the
// last is ready.
func TestTransactionLargerThanTheStatementCache(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	stmts := make([]pool.Statement, 600)
	for i := range stmts {
		stmts[i] = pool.Statement{SQL: fmt.Sprintf("SELECT %d", i)}
	}
	curs, err := p.Transaction(ctx, stmts).Await(ctx)
	if err != nil || len(curs) != len(stmts) {
		t.Fatalf("a 600-statement Transaction: %d cursors, %v", len(curs), err)
	}
	var last int
	if err := curs[len(curs)-1].FetchOne(&last); err != nil || last != 599 {
		t.Fatalf("its last statement returned %d, %v", last, err)
	}
}

// TestCopyThroughExecuteFails: Execute has no data for COPY FROM STDIN;
// it must fail with ErrCopyNeedsRaw instead of hanging, and the
// connection must stay usable.
func TestCopyThroughExecuteFails(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE c (x int)"))
	await(t, ctx, p.Execute(ctx, "INSERT INTO c VALUES (1)"))
	if _, err := p.Execute(ctx, "COPY c FROM STDIN").Await(ctx); sqlState(err) != pgerrcode.QueryCanceled {
		t.Errorf("COPY FROM STDIN through Execute: %v, want the COPY refused (SQLSTATE %s)", err, pgerrcode.QueryCanceled)
	}
	if _, err := p.Execute(ctx, "COPY c TO STDOUT").Await(ctx); !errors.Is(err, pool.ErrCopyNeedsRaw) {
		t.Errorf("COPY TO STDOUT through Execute: %v, want ErrCopyNeedsRaw", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM c"); n != 1 {
		t.Fatalf("after the refused COPYs: %d rows, want 1", n)
	}
}

// TestEndedContextKeepsAParkedConnection: a caller whose context ends as
// its request reaches a connection that must be pinged first must not
// have that healthy connection closed as broken.
func TestEndedContextKeepsAParkedConnection(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t)+"&ping_after_idle=0", pool.Options{Size: 1, MaxSize: 1})
	execInt(t, ctx, p, "SELECT 1")
	for range 200 {
		cctx, cancel := context.WithCancel(ctx)
		f := p.Execute(cctx, "SELECT 1")
		cancel()
		f.Await(ctx)
		time.Sleep(time.Millisecond) // lets the owner park, so that the next request must be checked
	}
	// A cancelled statement that makes no progress for a second closes its
	// connection by design (a partition), which a very busy machine can
	// cause once or twice; the check that closed connections for an ended
	// context closed 9 to 37 of these 200.
	if b := p.Stats().Closes.Broken; b >= 5 {
		t.Fatalf("%d healthy connections closed as broken because a caller's context ended", b)
	}
}

// TestDroppedRequestLeavesNoPrepareError: a request dropped while its
// Prepare was failing must not pass that error on to a later request.
func TestDroppedRequestLeavesNoPrepareError(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "SELECT pg_sleep(0.2)"))
	sleep := c.Execute(ctx, "SELECT pg_sleep(0.2)")
	actx, cancel := context.WithCancel(ctx)
	ins := c.Execute(actx, "INSERT INTO later VALUES (1)")
	waitForQuery(t, ctx, srv, databaseName(t, dsn), "SELECT pg_sleep(0.2)")
	cancel()
	ins.Await(ctx)
	await(t, ctx, sleep)
	await(t, ctx, c.Execute(ctx, "CREATE TABLE later (x int)"))
	if _, err := c.Execute(ctx, "INSERT INTO later VALUES (1)").Await(ctx); err != nil {
		t.Fatalf("INSERT after CREATE TABLE failed with a stale prepare error: %v", err)
	}
}

// TestAcquireEndsWithItsContextWhileDialing: a caller waiting for a
// connection being dialed for it returns when its context ends.
func TestAcquireEndsWithItsContextWhileDialing(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dsn, err := pgtest.WithAddr(srv.NewDatabase(t)+"&connect_timeout=10", proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})
	c1, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole() // the second connection's dial hangs
	actx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Acquire(actx)
	took := time.Since(start)
	proxy.Heal()
	p.PutConn(c1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire while its dial hangs: %v, want context.DeadlineExceeded", err)
	}
	// The dial's connect_timeout is 10 s: returning well before it shows
	// that the context ended the wait. The bound is loose for a busy
	// machine.
	if took > 5*time.Second {
		t.Fatalf("Acquire with a 200ms context returned after %v", took)
	}
}

// TestCallProcWithNilContext must not panic inside the pool.
func TestCallProcWithNilContext(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	//lint:ignore SA1012 a nil context on purpose
	if _, err := p.CallProc(nil, "now").Await(ctx); err != nil { //nolint:staticcheck
		t.Fatalf("CallProc with a nil context: %v", err)
	}
}
