package pool_test

import (
	"runtime"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestSmallResultAfterBigOneAllocatesLittle: the buffers of a result are
// presized from the statement's last result, but not without bound: one
// row after 500,000 rows of the same SQL allocates far less than the big
// result took.
func TestSmallResultAfterBigOneAllocatesLittle(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	const query = "SELECT g, 'row ' || g FROM generate_series(1, $1) g"
	measure := func(n int) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cur := await(t, ctx, p.Execute(ctx, query, n))
		runtime.ReadMemStats(&after)
		if cur.Len() != n {
			t.Fatalf("%d rows, want %d", cur.Len(), n)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small := measure(1)
	bigAlloc := measure(500000)
	afterBig := measure(1)
	t.Logf("allocated: one row %d B, 500000 rows %d B, one row after them %d B", small, bigAlloc, afterBig)
	if afterBig > 1<<20 {
		t.Fatalf("one row after 500000 rows allocated %d B, want under 1 MiB", afterBig)
	}
}
