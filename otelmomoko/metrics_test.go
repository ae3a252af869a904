package otelmomoko_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/otelmomoko"
	"github.com/momoko-go/momoko/pool"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// recorder is a pool whose last Stats, the one a collection used, is kept.
type recorder struct {
	p    *pool.Pool
	mu   sync.Mutex
	last pool.Stats
}

func (r *recorder) Stats() pool.Stats {
	s := r.p.Stats()
	r.mu.Lock()
	r.last = s
	r.mu.Unlock()
	return s
}

func (r *recorder) lastStats() pool.Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// TestMetricsMatchStatsUnderLoad: collections taken with a manual reader
// while 12 callers queue behind 2 connections, some giving up and timing
// out, report exactly the Stats the collection took, under the semantic
// conventions' names where they apply; after Unregister nothing more is
// observed.
func TestMetricsMatchStatsUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1, MaxSize: 2, AcquireTimeout: 30 * time.Millisecond,
		HealthCheckPeriod: -1, MaxLifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A session change, so that its counter is exported non-zero.
	if _, err := p.Execute(ctx, "SET search_path TO public").Await(ctx); err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	rec := &recorder{p: p}
	reg, err := otelmomoko.Register(rec, provider.Meter("test"), otelmomoko.Opts{PoolName: "main"})
	if err != nil {
		t.Fatal(err)
	}

	stop := load(ctx, p, 12)
	matched := 0
	for deadline := time.Now().Add(20 * time.Second); matched < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("no collection saw callers waiting, timing out and giving up: last %+v", rec.lastStats())
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		s := rec.lastStats()
		compare(t, rm, s)
		if s.Waiting > 0 && s.Queue.Timeouts > 0 && s.Queue.Cancelled > 0 {
			matched++
		}
	}
	stop()

	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if n := points(m); n != 0 {
				t.Errorf("%s: %d points after Unregister", m.Name, n)
			}
		}
	}
}

// load runs n callers of a 20ms statement until stop is called (12 of
// them on 2 connections wait well beyond a 30ms AcquireTimeout, whatever
// the machine's speed): every
// third caller gives up after 10ms, and waits beyond AcquireTimeout fail.
func load(ctx context.Context, p *pool.Pool, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				callCtx, done := ctx, context.CancelFunc(func() {})
				if i%3 == 0 {
					callCtx, done = context.WithTimeout(ctx, 10*time.Millisecond)
				}
				p.Execute(callCtx, "SELECT pg_sleep(0.02)").Await(callCtx)
				done()
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

type point struct {
	value float64
	unit  string
}

// compare checks every collected point against s, the Stats the
// collection took.
func compare(t *testing.T, rm metricdata.ResourceMetrics, s pool.Stats) {
	t.Helper()
	down, since := 0.0, 0.0
	if s.Gate.Down {
		down, since = 1, float64(s.Gate.DownSince.UnixNano())/1e9
	}
	want := map[string]point{
		"db.client.connection.count{db.client.connection.state=idle}":    {float64(s.Free), "{connection}"},
		"db.client.connection.count{db.client.connection.state=used}":    {float64(s.Busy), "{connection}"},
		"db.client.connection.max":                                       {float64(s.MaxSize), "{connection}"},
		"db.client.connection.pending_requests":                          {float64(s.Waiting), "{request}"},
		"db.client.connection.timeouts":                                  {float64(s.Queue.Timeouts), "{timeout}"},
		"momoko.pool.connection.dead":                                    {float64(s.Dead), "{connection}"},
		"momoko.pool.connection.pending":                                 {float64(s.Pending), "{connection}"},
		"momoko.pool.connection.min":                                     {float64(s.Size), "{connection}"},
		"momoko.pool.pipeline.depth.max":                                 {float64(s.DeepestPipeline), "{request}"},
		"momoko.pool.statements":                                         {float64(s.Statements), "{request}"},
		"momoko.pool.statements.pipelined":                               {float64(s.Pipelined), "{request}"},
		"momoko.pool.acquires":                                           {float64(s.Queue.Acquires), "{connection}"},
		"momoko.pool.waits":                                              {float64(s.Queue.Waits), "{wait}"},
		"momoko.pool.wait.duration":                                      {s.Queue.WaitTime.Seconds(), "s"},
		"momoko.pool.wait.cancellations":                                 {float64(s.Queue.Cancelled), "{wait}"},
		"momoko.pool.wait.refusals":                                      {float64(s.Queue.Refused), "{call}"},
		"momoko.pool.connection.opens":                                   {float64(s.Opens), "{connection}"},
		"momoko.pool.connection.open_failures":                           {float64(s.OpenFailures), "{connection}"},
		"momoko.pool.connection.closes{momoko.close.cause=lifetime}":     {float64(s.Closes.Lifetime), "{connection}"},
		"momoko.pool.connection.closes{momoko.close.cause=health_check}": {float64(s.Closes.HealthCheck), "{connection}"},
		"momoko.pool.connection.closes{momoko.close.cause=shrink}":       {float64(s.Closes.Shrink), "{connection}"},
		"momoko.pool.connection.closes{momoko.close.cause=broken}":       {float64(s.Closes.Broken), "{connection}"},
		"momoko.pool.connection.closes{momoko.close.cause=reset}":        {float64(s.Closes.Reset), "{connection}"},
		"momoko.pool.statements.retried":                                 {float64(s.Retried), "{request}"},
		"momoko.pool.statements.lost":                                    {float64(s.Lost), "{request}"},
		"momoko.pool.session_changes":                                    {float64(s.SessionChanges), "{statement}"},
		"momoko.gate.down":                                               {down, "1"},
		"momoko.gate.down_since":                                         {since, "s"},
		"momoko.gate.dials.in_progress":                                  {float64(s.Gate.Dialing), "{dial}"},
		"momoko.gate.dials":                                              {float64(s.Gate.Dials), "{dial}"},
		"momoko.gate.dial_failures":                                      {float64(s.Gate.DialFailures), "{dial}"},
		"momoko.gate.redials":                                            {float64(s.Gate.Redials), "{dial}"},
		"momoko.gate.fast_failures":                                      {float64(s.Gate.FastFailures), "{attempt}"},
		"momoko.gate.coalesced":                                          {float64(s.Gate.Coalesced), "{attempt}"},
	}
	got := flatten(t, rm)
	if len(got) != len(want) {
		t.Errorf("%d points, want %d", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %+v (present %v), want %+v from Stats", k, g, ok, v)
		}
	}
}

// flatten keys every collected point by its metric's name and its
// attributes but the pool's name, which it checks is "main".
func flatten(t *testing.T, rm metricdata.ResourceMetrics) map[string]point {
	t.Helper()
	got := map[string]point{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			add := func(attrs attribute.Set, v float64) {
				key := m.Name
				for _, kv := range attrs.ToSlice() {
					if kv.Key == "db.client.connection.pool.name" {
						if kv.Value.AsString() != "main" {
							t.Errorf("%s: pool name %q", m.Name, kv.Value.AsString())
						}
						continue
					}
					key += "{" + string(kv.Key) + "=" + kv.Value.Emit() + "}"
				}
				if !attrs.HasValue("db.client.connection.pool.name") {
					t.Errorf("%s: no pool name", m.Name)
				}
				got[key] = point{v, m.Unit}
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes, float64(dp.Value))
				}
			case metricdata.Sum[float64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes, dp.Value)
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes, float64(dp.Value))
				}
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes, dp.Value)
				}
			default:
				t.Errorf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return got
}

// points counts a metric's data points.
func points(m metricdata.Metrics) int {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	case metricdata.Gauge[int64]:
		return len(d.DataPoints)
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	}
	return 0
}
