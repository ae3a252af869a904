package pool

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/internal/engine"
)

// TestResultTooLargeKeepsTheConnection lowers the limit of a buffered
// result to 1 MiB: a result over it fails with ErrResultTooLarge, whether
// run alone, between neighbours pipelined on a Conn, in a Transaction or
// by pgx itself, and the connection runs the next statement.
func TestResultTooLargeKeepsTheConnection(t *testing.T) {
	defer func(limit int) { engine.MaxResultBytes = limit }(engine.MaxResultBytes)
	engine.MaxResultBytes = 1 << 20
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Open(ctx, pgtest.Shared(t).NewDatabase(t), Options{Size: 1, MaxSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const big = "SELECT repeat('x', 1000) FROM generate_series(1, 2000)" // 2 MB
	const small = "SELECT pg_backend_pid()"
	pid := oneInt(t, ctx, p.Execute(ctx, small))

	_, err = p.Execute(ctx, big).Await(ctx)
	t.Logf("alone: %v", err)
	if !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("alone: %v, want ErrResultTooLarge", err)
	}
	if got := oneInt(t, ctx, p.Execute(ctx, small)); got != pid {
		t.Fatalf("the next statement ran on backend %d, want %d", got, pid)
	}

	_, err = p.Execute(ctx, big, pgx.QueryExecModeSimpleProtocol).Await(ctx)
	if !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("run by pgx: %v, want ErrResultTooLarge", err)
	}

	_, err = p.Transaction(ctx, []Statement{{SQL: big}, {SQL: small}}).Await(ctx)
	if !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("in a transaction: %v, want ErrResultTooLarge", err)
	}
	// The server went on after the result too large: the statement after
	// it ran, and its error is read where it comes.
	_, err = p.Transaction(ctx, []Statement{{SQL: big}, {SQL: "SELECT 1 / 0"}}).Await(ctx)
	if !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("in a transaction with a failure after it: %v, want ErrResultTooLarge", err)
	}
	if got := oneInt(t, ctx, p.Execute(ctx, small)); got != pid {
		t.Fatalf("after the transactions, backend %d, want %d", got, pid)
	}

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, middle, after := c.Execute(ctx, "SELECT 1"), c.Execute(ctx, big), c.Execute(ctx, "SELECT 2")
	if got := oneInt(t, ctx, before); got != 1 {
		t.Errorf("statement before: %d, want 1", got)
	}
	if _, err := middle.Await(ctx); !errors.Is(err, ErrResultTooLarge) {
		t.Errorf("pipelined: %v, want ErrResultTooLarge", err)
	}
	if got := oneInt(t, ctx, after); got != 2 {
		t.Errorf("statement after: %d, want 2", got)
	}
	if c.Closed() {
		t.Fatal("the Conn was closed")
	}
	p.PutConn(c)
	if got := oneInt(t, ctx, p.Execute(ctx, small)); got != pid {
		t.Fatalf("at the end, backend %d, want %d", got, pid)
	}
}

func oneInt(t *testing.T, ctx context.Context, f interface {
	Await(context.Context) (*Cursor, error)
}) int64 {
	t.Helper()
	cur, err := f.Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := cur.FetchOne(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
