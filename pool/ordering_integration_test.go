package pool_test

import (
	"slices"
	"testing"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestConnRunsStatementsInSubmissionOrder submits 200 INSERTs on one Conn
// without awaiting in between; the serial column the server assigns shows
// the order they ran in, which must be the order they were submitted in.
func TestConnRunsStatementsInSubmissionOrder(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE runs (seq serial PRIMARY KEY, i int NOT NULL)"))

	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	before := p.Stats().Pipelined
	const n = 200
	fs := make([]*future.Future[*pool.Cursor], n)
	for i := range fs {
		fs[i] = c.Execute(ctx, "INSERT INTO runs (i) VALUES ($1)", i)
	}
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
	pipelined := p.Stats().Pipelined - before

	var order []int64
	for _, row := range await(t, ctx, c.Execute(ctx, "SELECT i FROM runs ORDER BY seq")).FetchAll() {
		order = append(order, row[0].(int64))
	}
	if len(order) != n {
		t.Fatalf("%d rows, want %d", len(order), n)
	}
	outOfOrder := 0
	for seq, i := range order {
		if i != int64(seq) {
			outOfOrder++
		}
	}
	if outOfOrder > 0 {
		t.Fatalf("%d of %d statements ran out of submission order: %v", outOfOrder, n, order)
	}
	if pipelined == 0 {
		t.Fatalf("none of %d statements submitted back to back was pipelined", n)
	}
	t.Logf("0 of %d out of order, %d pipelined", n, pipelined)
}

// TestConnDeclareThenFetchBackToBack submits a transaction's BEGIN,
// DECLARE, two FETCHes and COMMIT on one Conn without awaiting in
// between: each runs after the one before it, so the FETCHes find the
// cursor and read it in order.
func TestConnDeclareThenFetchBackToBack(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	for round := range 20 {
		fs := []*future.Future[*pool.Cursor]{
			c.Execute(ctx, "BEGIN"),
			c.Execute(ctx, "DECLARE cur CURSOR FOR SELECT generate_series(1, 10)"),
			c.Execute(ctx, "FETCH 5 FROM cur"),
			c.Execute(ctx, "FETCH 5 FROM cur"),
			c.Execute(ctx, "COMMIT"),
		}
		curs, err := future.All(ctx, fs...)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for k, want := range [][]int64{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}} {
			var got []int64
			for _, row := range curs[2+k].FetchAll() {
				got = append(got, row[0].(int64))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: FETCH %d returned %v, want %v", round, k+1, got, want)
			}
		}
		if c.InTransaction() {
			t.Fatalf("round %d: still in a transaction after COMMIT", round)
		}
	}
}
