package pool_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// onePool is a pool of one connection over a fresh database with a table
// t (id int), and that connection's backend pid.
func onePool(t *testing.T, ctx context.Context) (*pool.Pool, int64) {
	t.Helper()
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE t (id int)"))
	return p, execInt(t, ctx, p, "SELECT pg_backend_pid()")
}

// samePID fails the test when the pool's connection is not pid's.
func samePID(t *testing.T, ctx context.Context, p *pool.Pool, pid int64) {
	t.Helper()
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("now on backend %d, want the connection that cached the statements (%d)", got, pid)
	}
}

// TestCachedStatementAfterAlterToBigint: a statement cached while id was
// int encodes 3e9 after the column became bigint, on the very connection
// that cached it.
func TestCachedStatementAfterAlterToBigint(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	const insert = "INSERT INTO t (id) VALUES ($1)"
	const count = "SELECT count(*) FROM t WHERE id = $1"
	await(t, ctx, p.Execute(ctx, insert, 1))
	execInt(t, ctx, p, count, 1)
	await(t, ctx, p.Execute(ctx, "ALTER TABLE t ALTER COLUMN id TYPE bigint"))
	if _, err := p.Execute(ctx, insert, int64(3e9)).Await(ctx); err != nil {
		t.Fatalf("inserting 3e9 after the ALTER: %v", err)
	}
	if n, err := execIntErr(ctx, p, count, int64(3e9)); err != nil || n != 1 {
		t.Fatalf("counting 3e9 after the ALTER: %d, %v; want 1", n, err)
	}
	samePID(t, ctx, p, pid)
}

// execIntErr runs a one-value query and returns its value or its error.
func execIntErr(ctx context.Context, p *pool.Pool, query string, args ...any) (int64, error) {
	cur, err := p.Execute(ctx, query, args...).Await(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = cur.FetchOne(&n)
	return n, err
}

// TestCachedStatementAfterAlterToText: after id became text, a statement
// cached with an int parameter fails at most once (the server's 42883),
// then is prepared again and runs.
func TestCachedStatementAfterAlterToText(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	const count = "SELECT count(*) FROM t WHERE id = $1"
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (7)"))
	execInt(t, ctx, p, count, 7)
	await(t, ctx, p.Execute(ctx, "ALTER TABLE t ALTER COLUMN id TYPE text"))
	n, err := execIntErr(ctx, p, count, "7")
	t.Logf("first call after the ALTER: %d, %v", n, err)
	if err != nil && sqlState(err) != pgerrcode.UndefinedFunction {
		t.Fatalf("first call after the ALTER: %v, want success or SQLSTATE 42883", err)
	}
	for i := range 3 {
		if n, err := execIntErr(ctx, p, count, "7"); err != nil || n != 1 {
			t.Fatalf("call %d after the first: %d, %v; want 1", i+2, n, err)
		}
	}
	samePID(t, ctx, p, pid)
}

// TestCachedSelectStarAfterAddColumn: a cached SELECT * meets 0A000
// (cached plan must not change result type) after ADD COLUMN; nothing ran,
// so it is prepared again and run without the caller seeing the error.
func TestCachedSelectStarAfterAddColumn(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
	await(t, ctx, p.Execute(ctx, "SELECT * FROM t"))
	await(t, ctx, p.Execute(ctx, "ALTER TABLE t ADD COLUMN c int DEFAULT 5"))
	cur, err := p.Execute(ctx, "SELECT * FROM t").Await(ctx)
	if err != nil {
		t.Fatalf("SELECT * after ADD COLUMN: %v", err)
	}
	if cols := cur.Columns(); !slices.Equal(cols, []string{"id", "c"}) {
		t.Fatalf("columns %v, want [id c]", cols)
	}
	var id, c int
	if err := cur.FetchOne(&id, &c); err != nil || id != 1 || c != 5 {
		t.Fatalf("row (%d, %d), %v; want (1, 5)", id, c, err)
	}
	samePID(t, ctx, p, pid)
}

// cachedThree are statements a test caches, then runs again.
var cachedThree = []string{"SELECT count(*) FROM t", "SELECT count(*) FROM t WHERE id > $1", "SELECT $1::int + 1"}

func runCachedThree(t *testing.T, ctx context.Context, run func(string, ...any) (int64, error), when string) {
	t.Helper()
	for _, q := range cachedThree {
		var args []any
		if q != cachedThree[0] {
			args = []any{1}
		}
		if _, err := run(q, args...); err != nil {
			t.Fatalf("%s: %s: %v", when, q, err)
		}
	}
}

// TestDeallocateAllThroughExecute: DEALLOCATE ALL and DISCARD ALL run
// through Execute drop the connection's prepared statements, and the pool
// sees it in their command tags: every statement cached before runs at
// the first try, on the pool, pipelined on a Conn (where a refused
// statement with another behind it could not run again), and inside a
// Conn's transaction (where it could not either).
func TestDeallocateAllThroughExecute(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	run := func(q string, args ...any) (int64, error) { return execIntErr(ctx, p, q, args...) }
	for _, discard := range []string{"DEALLOCATE ALL", "DISCARD ALL", "deallocate prepare  all"} {
		runCachedThree(t, ctx, run, "caching")
		await(t, ctx, p.Execute(ctx, discard))
		runCachedThree(t, ctx, run, "after "+discard)
	}
	samePID(t, ctx, p, pid)

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	runConn := func(q string, args ...any) (int64, error) { return connInt(ctx, c.Execute(ctx, q, args...)) }
	for _, discard := range []string{"DEALLOCATE ALL", "DISCARD ALL"} {
		runCachedThree(t, ctx, runConn, "caching on the Conn")
		await(t, ctx, c.Execute(ctx, discard))
		var fs []*future.Future[*pool.Cursor]
		runCachedThree(t, ctx, func(q string, args ...any) (int64, error) {
			fs = append(fs, c.Execute(ctx, q, args...))
			return 0, nil
		}, "submitting")
		for i, f := range fs {
			if _, err := connInt(ctx, f); err != nil {
				t.Fatalf("pipelined on the Conn after %s: %s: %v", discard, cachedThree[i], err)
			}
		}
	}

	runCachedThree(t, ctx, runConn, "caching on the Conn")
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	await(t, ctx, c.Execute(ctx, "DEALLOCATE ALL"))
	runCachedThree(t, ctx, runConn, "in a transaction after DEALLOCATE ALL")
	await(t, ctx, c.Execute(ctx, "COMMIT"))
}

// connInt awaits a one-value result.
func connInt(ctx context.Context, f *future.Future[*pool.Cursor]) (int64, error) {
	cur, err := f.Await(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	return n, cur.FetchOne(&n)
}

// TestDeallocatedUnseenRunsAgain: statements deallocated where the pool
// does not see it (pgx on the same connection) fail with 26000 on the
// server; nothing ran, so they are prepared again and run: on the pool,
// and on a Conn outside a transaction. Inside the Conn's transaction the
// error is the caller's, as the transaction is aborted.
func TestDeallocatedUnseenRunsAgain(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	deallocate := func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DEALLOCATE ALL", pgx.QueryExecModeSimpleProtocol)
		return err
	}
	run := func(q string, args ...any) (int64, error) { return execIntErr(ctx, p, q, args...) }
	runCachedThree(t, ctx, run, "caching")
	await(t, ctx, p.Raw(ctx, deallocate))
	runCachedThree(t, ctx, run, "after DEALLOCATE ALL through pgx")
	samePID(t, ctx, p, pid)

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	runConn := func(q string, args ...any) (int64, error) { return connInt(ctx, c.Execute(ctx, q, args...)) }
	runCachedThree(t, ctx, runConn, "caching on the Conn")
	if err := c.Raw(deallocate); err != nil {
		t.Fatal(err)
	}
	runCachedThree(t, ctx, runConn, "on the Conn after DEALLOCATE ALL through pgx")

	runCachedThree(t, ctx, runConn, "caching on the Conn again")
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	if err := c.Raw(deallocate); err != nil {
		t.Fatal(err)
	}
	_, err = runConn(cachedThree[0])
	if sqlState(err) != pgerrcode.InvalidSQLStatementName {
		t.Fatalf("in the Conn's transaction: %v, want SQLSTATE 26000", err)
	}
	await(t, ctx, c.Execute(ctx, "ROLLBACK"))
	runCachedThree(t, ctx, runConn, "on the Conn after the ROLLBACK")
}

// preparedTexts are the statements prepared on the pool's connection.
func preparedTexts(t *testing.T, ctx context.Context, p *pool.Pool) []string {
	t.Helper()
	cur := await(t, ctx, p.Execute(ctx, "SELECT statement FROM pg_prepared_statements"))
	var texts []string
	for cur.Len() > 0 {
		var s string
		if err := cur.FetchOne(&s); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, s)
	}
	return texts
}

// TestTransactionSelectStarAfterItsAddColumn: a Transaction that adds a
// column and then selects * sees the column, whether the SELECT's text was
// cached before (with one column) or not: statements after a schema
// change are not prepared ahead of BEGIN.
func TestTransactionSelectStarAfterItsAddColumn(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
	await(t, ctx, p.Execute(ctx, "SELECT * FROM t")) // cached with one column
	for i, column := range []string{"c", "d"} {
		query := []string{"SELECT * FROM t", "SELECT * FROM t ORDER BY id"}[i]
		curs, err := p.Transaction(ctx, []pool.Statement{
			{SQL: "ALTER TABLE t ADD COLUMN " + column + " int DEFAULT 5"},
			{SQL: query},
		}).Await(ctx)
		if err != nil {
			t.Fatalf("ADD COLUMN %s, then %s: %v", column, query, err)
		}
		if cols := curs[1].Columns(); cols[len(cols)-1] != column {
			t.Fatalf("%s in the transaction: columns %v, want %s last", query, cols, column)
		}
	}
	samePID(t, ctx, p, pid)
}

// TestTransactionInsertAfterItsAlterToBigint: a Transaction that makes id
// bigint and then inserts 3e9 succeeds; the INSERT went unprepared.
func TestTransactionInsertAfterItsAlterToBigint(t *testing.T) {
	ctx := testContext(t)
	p, pid := onePool(t, ctx)
	const insert = "INSERT INTO t (id) VALUES ($1) RETURNING id"
	curs, err := p.Transaction(ctx, []pool.Statement{
		{SQL: "ALTER TABLE t ALTER COLUMN id TYPE bigint"},
		{SQL: insert, Args: []any{int64(3e9)}},
	}).Await(ctx)
	if err != nil {
		t.Fatalf("ALTER to bigint, then INSERT 3e9: %v", err)
	}
	var id int64
	if err := curs[1].FetchOne(&id); err != nil || id != 3e9 {
		t.Fatalf("INSERT returned %d, %v; want 3e9", id, err)
	}
	if texts := preparedTexts(t, ctx, p); slices.Contains(texts, insert) {
		t.Errorf("the INSERT after the ALTER was prepared: %q", texts)
	}
	samePID(t, ctx, p, pid)
}

// TestPlainTransactionStillPrepared: a Transaction of plain statements
// runs them prepared.
func TestPlainTransactionStillPrepared(t *testing.T) {
	ctx := testContext(t)
	p, _ := onePool(t, ctx)
	plain := []pool.Statement{
		{SQL: "INSERT INTO t VALUES ($1)", Args: []any{6}},
		{SQL: "SELECT count(*) FROM t WHERE id = $1", Args: []any{6}},
	}
	curs, err := p.Transaction(ctx, plain).Await(ctx)
	if err != nil {
		t.Fatalf("plain transaction: %v", err)
	}
	var n int
	if err := curs[1].FetchOne(&n); err != nil || n != 1 {
		t.Fatalf("plain transaction counted %d, %v; want 1", n, err)
	}
	texts := preparedTexts(t, ctx, p)
	for _, st := range plain {
		if !slices.Contains(texts, st.SQL) {
			t.Errorf("plain transaction's %q is not prepared; prepared: %q", st.SQL, texts)
		}
	}
}

// TestStatementRunAgainBehindOthers: a pooled statement the server
// refused at Bind (26000) runs again behind a neighbour pipelined after
// it; each caller gets its own result, and the connection's bookkeeping
// of what is in flight stays right, so that later rounds pipeline too.
func TestStatementRunAgainBehindOthers(t *testing.T) {
	ctx := testContext(t)
	p, _ := onePool(t, ctx)
	const stale, fresh = "SELECT $1::int + 1", "SELECT $1::int * 10"
	warm(t, ctx, p, stale, 1)
	warm(t, ctx, p, fresh, 1)
	deallocate := func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DEALLOCATE ALL", pgx.QueryExecModeSimpleProtocol)
		return err
	}
	pipelined, rounds := 0, 0
	for ; rounds < 200 && pipelined < 5; rounds++ {
		execInt(t, ctx, p, stale, 1) // cached, if it was not
		await(t, ctx, p.Raw(ctx, deallocate))
		// The first run of fresh meets 26000 alone and runs again; the
		// second prepares it anew, while stale's statement stays cached.
		execInt(t, ctx, p, fresh, 1)
		execInt(t, ctx, p, fresh, 1)
		before := p.Stats().Pipelined
		a, b := p.Execute(ctx, stale, rounds), p.Execute(ctx, fresh, rounds)
		if got := fetchInt(t, ctx, a); got != int64(rounds)+1 {
			t.Fatalf("round %d: %s returned %d", rounds, stale, got)
		}
		if got := fetchInt(t, ctx, b); got != int64(rounds)*10 {
			t.Fatalf("round %d: %s returned %d", rounds, fresh, got)
		}
		if p.Stats().Pipelined > before {
			pipelined++
		}
	}
	t.Logf("%d of %d rounds pipelined", pipelined, rounds)
	if pipelined < 5 {
		t.Fatalf("only %d of %d rounds were pipelined", pipelined, rounds)
	}
}
