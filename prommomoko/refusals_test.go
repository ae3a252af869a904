package prommomoko_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	"github.com/momoko-go/momoko/prommomoko"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCollectorExportsRefusals: with the only connection taken and
// MaxWaiting 1 caller in line, the next call is refused, and a scrape
// says so.
func TestCollectorExportsRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting := p.Execute(ctx, "SELECT 1")
	waitFor(t, 10*time.Second, "a call in line", func() bool { return p.Stats().Waiting == 1 })
	if _, err := p.Execute(ctx, "SELECT 1").Result(); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Fatalf("a call with the line full: %v, want ErrTooManyWaiting", err)
	}
	want := `
# HELP momoko_pool_wait_refusals_total Calls failed at once with ErrTooManyWaiting: Options.MaxWaiting callers were waiting already.
# TYPE momoko_pool_wait_refusals_total counter
momoko_pool_wait_refusals_total{pool="test"} 1
# HELP momoko_pool_waiting Calls queued in the pool for a connection now.
# TYPE momoko_pool_waiting gauge
momoko_pool_waiting{pool="test"} 1
`
	collector := prommomoko.NewCollector(p, prommomoko.Opts{ConstLabels: prometheus.Labels{"pool": "test"}})
	if err := testutil.CollectAndCompare(collector, strings.NewReader(want),
		"momoko_pool_wait_refusals_total", "momoko_pool_waiting"); err != nil {
		t.Error(err)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	if _, err := waiting.Await(ctx); err != nil {
		t.Fatalf("the call in line: %v", err)
	}
}
