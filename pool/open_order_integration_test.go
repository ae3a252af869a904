package pool_test

import (
	"testing"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCallsRightAfterOpenKeepTheirOrder: the calls made right after Open
// reach the queue in the order they were made. They did not: until some
// call had waited for Connect itself, each one waited for it on a
// goroutine of its own, and they reached the queue in any order.
func TestCallsRightAfterOpenKeepTheirOrder(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	setup := openPool(t, ctx, dsn, pool.Options{})
	await(t, ctx, setup.Execute(ctx, "CREATE TABLE calls (seq serial PRIMARY KEY, n int)"))

	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	const n = 50
	fs := make([]*future.Future[*pool.Cursor], n)
	for i := range n {
		fs[i] = p.Execute(ctx, "INSERT INTO calls (n) VALUES ($1)", i)
	}
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
	cur := await(t, ctx, p.Execute(ctx, "SELECT n FROM calls ORDER BY seq"))
	var outOfOrder int
	for i, row := range cur.FetchAll() {
		if row[0] != int64(i) {
			outOfOrder++
		}
	}
	if outOfOrder > 0 {
		t.Errorf("%d of %d calls made right after Open ran out of their order", outOfOrder, n)
	}
}
