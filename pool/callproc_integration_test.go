package pool_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCallProcLearnsAProcedureOnce: calling a procedure must not try it as
// a function first every time, which costs a round trip and logs an ERROR
// on the server for each call.
func TestCallProcLearnsAProcedureOnce(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	name := fmt.Sprintf("bump_%d", time.Now().UnixNano())
	await(t, ctx, p.Execute(ctx, "CREATE TABLE bumps (n int)"))
	await(t, ctx, p.Execute(ctx, "CREATE PROCEDURE "+name+"(n int) LANGUAGE sql AS $$ INSERT INTO bumps VALUES (n) $$"))

	const calls = 3
	for i := range calls {
		await(t, ctx, p.CallProc(ctx, name, i))
	}
	var n int
	if err := await(t, ctx, p.Execute(ctx, "SELECT count(*) FROM bumps")).FetchOne(&n); err != nil || n != calls {
		t.Fatalf("%d rows (%v) after %d calls, want %d", n, err, calls, calls)
	}
	// The server logs a statement's ERROR before it answers, so a failed
	// attempt would be in the log by now.
	for _, line := range strings.Split(srv.LogTail(1<<20), "\n") {
		if strings.Contains(line, name) {
			t.Errorf("the server logged: %s", line)
		}
	}
}
