package pool_test

import (
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestFastAcrossARoundTrip: a statement the server answers at once is
// fast, and pipelines, also when the network between the pool and the
// server takes far longer than the fast bound to cross: the round trip is
// not the statement's. Before, every statement over a link slower than
// 250µs counted as slow, and nothing ever pipelined.
func TestFastAcrossARoundTrip(t *testing.T) {
	srv := pgtest.Shared(t)
	proxy, dsn := proxiedDSN(t, srv)
	proxy.Latency(time.Millisecond) // each way
	ctx := testContext(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})
	const query = "SELECT 1"
	for round := range 100 {
		// Alone, so that its time is its own round trip; then two
		// together, which pipeline once it counts as fast.
		execInt(t, ctx, p, query)
		before := p.Stats().Pipelined
		a, b := p.Execute(ctx, query), p.Execute(ctx, query)
		await(t, ctx, a)
		await(t, ctx, b)
		if p.Stats().Pipelined > before {
			t.Logf("pipelined after %d rounds", round+1)
			return
		}
	}
	t.Fatalf("%q never pipelined across a 2ms round trip", query)
}
