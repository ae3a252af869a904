package resilience_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCutWithPipelineInFlight cuts every connection while many callers
// share two connections, so that their INSERTs are pipelined behind each
// other when the cut lands. The ledger must stay exact: an INSERT that
// succeeded is in the table once; one written before the cut fails with
// driver.ErrConnectionLost and is there at most once; one never written
// either ran on another connection or failed as safe to retry and is not
// there; none is there twice.
func TestCutWithPipelineInFlight(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn, direct := proxied(t, srv, "connect_timeout", "2")
	execAdmin(t, ctx, srv, databaseName(t, direct), createOps)

	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 2, MaxSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Sixteen callers on two connections: most statements wait in a
	// pipeline behind others, and the default statements (an INSERT and a
	// SELECT with arguments) soon count as fast.
	w := &workload{pool: p, callers: 16, opTimeout: 5 * time.Second, afterFailure: 5 * time.Millisecond}
	w.start(ctx)
	const cuts = 5
	var cutConns int64
	for i := range cuts {
		// Each cut lands only once pipelining is under way again after
		// the last one.
		from := p.Stats().Pipelined
		waitFor(t, 20*time.Second, "statements pipelined before the cut", func() bool {
			return p.Stats().Pipelined >= from+50
		})
		before := proxy.Stats().Cut
		proxy.CutAll()
		cutConns += proxy.Stats().Cut - before
		t.Logf("cut %d: %d connections", i+1, proxy.Stats().Cut-before)
	}
	from := p.Stats().Statements
	waitFor(t, 20*time.Second, "service after the last cut", func() bool {
		return p.Stats().Statements >= from+100
	})
	ops := w.finish()
	stats := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	lost := 0
	for _, o := range ops {
		if errors.Is(o.err, driver.ErrConnectionLost) {
			lost++
		}
	}
	conn, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	check := w.ledger.verify(t, ctx, conn)
	if stats.DeepestPipeline < 2 {
		t.Errorf("DeepestPipeline %d: nothing was ever pipelined", stats.DeepestPipeline)
	}
	if lost == 0 {
		t.Errorf("no statement failed with driver.ErrConnectionLost at %d cuts: none was in flight", cuts)
	}
	report(t, "pipeline-cut", "%v cut_conns=%d connection_lost=%d pipelined=%d deepest=%d",
		check, cutConns, lost, stats.Pipelined, stats.DeepestPipeline)
}
