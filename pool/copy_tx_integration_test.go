package pool_test

import (
	"errors"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCopyFromStdinInATransactionFails: a Transaction with COPY FROM STDIN
// among its statements (the statements after it written behind it) fails
// with ErrCopyNeedsRaw, rolled back, and its connection serves the next
// call with its answers in step: the engine used to end the copy with a
// Sync of its own, whose answer the next call then read.
func TestCopyFromStdinInATransactionFails(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE c (x int)"))
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	_, err := p.Transaction(ctx, []pool.Statement{
		{SQL: "INSERT INTO c VALUES (1)"},
		{SQL: "COPY c FROM STDIN"},
		{SQL: "INSERT INTO c VALUES (2)"},
	}).Await(ctx)
	if !errors.Is(err, pool.ErrCopyNeedsRaw) {
		t.Fatalf("a transaction with COPY FROM STDIN: %v, want ErrCopyNeedsRaw", err)
	}
	for i := range 3 {
		if n := execInt(t, ctx, p, "SELECT $1::int", i); n != int64(i) {
			t.Fatalf("call %d after the failed transaction answered %d", i, n)
		}
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM c"); n != 0 {
		t.Errorf("%d rows after the failed transaction, want 0 (rolled back)", n)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("served on backend %d, want %d: the connection was closed", got, pid)
	}
}
