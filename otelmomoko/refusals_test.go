package otelmomoko_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/otelmomoko"
	"github.com/momoko-go/momoko/pool"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestMetricsReportRefusals: with the only connection taken and
// MaxWaiting 1 caller in line, the next call is refused, and a
// collection says so.
func TestMetricsReportRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	reg, err := otelmomoko.Register(p, provider.Meter("test"), otelmomoko.Opts{PoolName: "main"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting := p.Execute(ctx, "SELECT 1")
	deadline := time.Now().Add(10 * time.Second)
	for p.Stats().Waiting != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no call in line after 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := p.Execute(ctx, "SELECT 1").Result(); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Fatalf("a call with the line full: %v, want ErrTooManyWaiting", err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := flatten(t, rm)
	if want := (point{1, "{call}"}); got["momoko.pool.wait.refusals"] != want {
		t.Errorf("momoko.pool.wait.refusals = %+v, want %+v", got["momoko.pool.wait.refusals"], want)
	}
	if want := (point{1, "{request}"}); got["db.client.connection.pending_requests"] != want {
		t.Errorf("db.client.connection.pending_requests = %+v, want %+v", got["db.client.connection.pending_requests"], want)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	if _, err := waiting.Await(ctx); err != nil {
		t.Fatalf("the call in line: %v", err)
	}
}
