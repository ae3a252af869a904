package otelmomoko_test

import (
	"context"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/otelmomoko"
	"github.com/momoko-go/momoko/pool"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestHistogramsMatchStats: a reader given the producer collects the
// semantic conventions' histograms with the pool's buckets and exactly
// the Stats the collection took.
func TestHistogramsMatchStats(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for range 20 {
		if _, err := p.Execute(ctx, "SELECT 1").Await(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c, err := p.GetConn(ctx).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{p: p}
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(otelmomoko.Histograms(rec, otelmomoko.Opts{PoolName: "main"})))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	l := rec.lastStats().Latency
	want := map[string]pool.Histogram{
		"db.client.connection.wait_time":   l.Wait,
		"db.client.connection.create_time": l.Create,
		"db.client.connection.use_time":    l.Use,
		"db.client.operation.duration":     l.Statement,
	}
	if l.Statement.Count < 20 || l.Use.Count != 1 || l.Create.Count == 0 {
		t.Fatalf("Stats.Latency does not count what ran: %+v", l)
	}
	bounds := pool.HistogramBounds()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Histogram[float64]:
				h, ok := want[m.Name]
				if !ok {
					t.Errorf("unexpected histogram %s", m.Name)
					continue
				}
				delete(want, m.Name)
				pt := data.DataPoints[0]
				if m.Unit != "s" || pt.Count != h.Count || pt.Sum != h.Sum.Seconds() || len(pt.Bounds) != len(bounds) ||
					len(pt.BucketCounts) != pool.HistogramBuckets || pt.Bounds[0] != bounds[0].Seconds() {
					t.Errorf("%s: %+v, want %+v", m.Name, pt, h)
				}
				for i := range pt.BucketCounts {
					if pt.BucketCounts[i] != h.Buckets[i] {
						t.Errorf("%s: bucket %d counts %d, want %d", m.Name, i, pt.BucketCounts[i], h.Buckets[i])
					}
				}
				if v, ok := pt.Attributes.Value("db.client.connection.pool.name"); !ok || v.AsString() != "main" {
					t.Errorf("%s: pool name %v", m.Name, v)
				}
			case metricdata.Sum[int64]:
				if m.Name == "momoko.pool.pipelined.requests" && uint64(data.DataPoints[0].Value) != l.Breakdown.Requests {
					t.Errorf("%s = %d, want %d", m.Name, data.DataPoints[0].Value, l.Breakdown.Requests)
				}
			case metricdata.Sum[float64]:
				if len(data.DataPoints) != 3 {
					t.Errorf("%s: %d phases", m.Name, len(data.DataPoints))
				}
			}
		}
	}
	for name := range want {
		t.Errorf("%s not reported", name)
	}
}
