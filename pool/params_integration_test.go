package pool_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// manyParams is a statement of n parameters and its arguments.
func manyParams(n int) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT count(*) FROM (VALUES ")
	args := make([]any, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("($" + strconv.Itoa(i+1) + "::int)")
		args[i] = i
	}
	b.WriteString(") v(x)")
	return b.String(), args
}

// TestTooManyParametersFailAlone: a statement of 65,536 arguments cannot
// be sent (the protocol counts parameters in 16 bits). It fails alone
// with a clear error before anything of it is written: the connection is
// not lost, not counted Lost, and runs the next statement.
func TestTooManyParametersFailAlone(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	query, args := manyParams(65536)
	lost := p.Stats().Lost
	_, err := p.Execute(ctx, query, args...).Await(ctx)
	t.Logf("65536 arguments: %v", err)
	if !errors.Is(err, pool.ErrCannotSend) || !strings.Contains(err.Error(), "extended protocol limited to 65535 parameters") {
		t.Fatalf("65536 arguments: %v, want ErrCannotSend for the 65535-parameter limit", err)
	}
	if errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("65536 arguments reported the connection lost: %v", err)
	}
	if got := p.Stats().Lost; got != lost {
		t.Errorf("Stats.Lost went from %d to %d", lost, got)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("the next statement ran on backend %d, want the same connection %d", got, pid)
	}
	// Unprepared (after DDL in a transaction) the same limit holds.
	_, err = p.Transaction(ctx, []pool.Statement{{SQL: "CREATE TEMP TABLE many (x int)"}, {SQL: query, Args: args}}).Await(ctx)
	if !errors.Is(err, pool.ErrCannotSend) || !strings.Contains(err.Error(), "extended protocol limited to 65535 parameters") {
		t.Fatalf("65536 arguments in a transaction: %v, want ErrCannotSend for the 65535-parameter limit", err)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("after the transaction, the next statement ran on backend %d, want %d", got, pid)
	}
	okQuery, okArgs := manyParams(65535)
	if got := execInt(t, ctx, p, okQuery, okArgs...); got != 65535 {
		t.Errorf("65535 arguments counted %d rows, want 65535", got)
	}
}

// TestTooManyParametersKeepTheConnsTransaction: on a Conn inside an open
// transaction, the statement that cannot be sent fails alone: the
// transaction stays open and usable.
func TestTooManyParametersKeepTheConnsTransaction(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	await(t, ctx, c.Execute(ctx, "CREATE TEMP TABLE kept (x int)"))
	query, args := manyParams(65536)
	_, err = c.Execute(ctx, query, args...).Await(ctx)
	t.Logf("65536 arguments on a Conn: %v", err)
	if !errors.Is(err, pool.ErrCannotSend) || !strings.Contains(err.Error(), "extended protocol limited to 65535 parameters") {
		t.Fatalf("65536 arguments: %v, want ErrCannotSend for the 65535-parameter limit", err)
	}
	if c.Closed() {
		t.Fatal("the Conn was closed")
	}
	await(t, ctx, c.Execute(ctx, "INSERT INTO kept VALUES (1)"))
	cur := await(t, ctx, c.Execute(ctx, "SELECT count(*) FROM kept"))
	var n int
	if err := cur.FetchOne(&n); err != nil || n != 1 {
		t.Fatalf("the transaction's table holds %d rows (%v), want 1", n, err)
	}
	await(t, ctx, c.Execute(ctx, "COMMIT"))
}

// TestNULInSQLFailsAlone: the protocol ends SQL text at a NUL byte, so
// text holding one is refused before anything is written, on the pool and
// in a transaction, and the connection goes on.
func TestNULInSQLFailsAlone(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	const query = "SELECT 1\x00 AS one"
	_, err := p.Execute(ctx, query).Await(ctx)
	t.Logf("NUL in the SQL: %v", err)
	if !errors.Is(err, pool.ErrCannotSend) {
		t.Fatalf("NUL in the SQL: %v, want ErrCannotSend", err)
	}
	_, err = p.Transaction(ctx, []pool.Statement{{SQL: "SELECT 2"}, {SQL: query}}).Await(ctx)
	if !errors.Is(err, pool.ErrCannotSend) {
		t.Fatalf("NUL in the SQL of a transaction: %v, want ErrCannotSend", err)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("the next statement ran on backend %d, want %d", got, pid)
	}
}
