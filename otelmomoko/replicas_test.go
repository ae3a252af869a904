package otelmomoko_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/otelmomoko"
	"github.com/momoko-go/momoko/pool"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// fixedStats is a StatsSource that needs no server.
type fixedStats pool.Stats

func (s fixedStats) Stats() pool.Stats { return pool.Stats(s) }

// collectReplicas registers src and returns the momoko.replica.* points
// of one collection.
func collectReplicas(t *testing.T, src otelmomoko.StatsSource) map[string]point {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	reg, err := otelmomoko.Register(src, provider.Meter("test"), otelmomoko.Opts{PoolName: "main"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	replicas := flatten(t, rm)
	maps.DeleteFunc(replicas, func(key string, _ point) bool { return !strings.HasPrefix(key, "momoko.replica.") })
	return replicas
}

// TestMetricsReplicas: each standby's measurements carry its name, its
// role is a state set, its connections come from its own pool's Stats,
// and the fallbacks to the primary are counted once for the pool.
func TestMetricsReplicas(t *testing.T) {
	s := pool.Stats{
		Replicas: []pool.ReplicaStats{
			{Name: "10.0.0.2:5432", Role: pool.RoleStandby, Usable: true, Lag: 1500 * time.Millisecond,
				InFlight: 3, Reads: 120, Retried: 2, Pool: pool.Stats{Free: 1, Busy: 3, Pending: 1}},
			{Name: "10.0.0.3:5432", Role: pool.RoleDown, LastError: "connection refused",
				Reads: 40, Retried: 5, Pool: pool.Stats{Dead: 2}},
		},
		ReadsOnPrimary: 7,
	}
	const a, b = "{momoko.standby=10.0.0.2:5432}", "{momoko.standby=10.0.0.3:5432}"
	want := map[string]point{
		"momoko.replica.usable" + a: {1, "1"},
		"momoko.replica.usable" + b: {0, "1"},
		"momoko.replica.lag" + a:    {1.5, "s"},
		"momoko.replica.lag" + b:    {0, "s"},

		"momoko.replica.role{momoko.replica.role=unknown}" + a: {0, "1"},
		"momoko.replica.role{momoko.replica.role=standby}" + a: {1, "1"},
		"momoko.replica.role{momoko.replica.role=primary}" + a: {0, "1"},
		"momoko.replica.role{momoko.replica.role=down}" + a:    {0, "1"},
		"momoko.replica.role{momoko.replica.role=unknown}" + b: {0, "1"},
		"momoko.replica.role{momoko.replica.role=standby}" + b: {0, "1"},
		"momoko.replica.role{momoko.replica.role=primary}" + b: {0, "1"},
		"momoko.replica.role{momoko.replica.role=down}" + b:    {1, "1"},

		"momoko.replica.reads.in_flight" + a: {3, "{request}"},
		"momoko.replica.reads.in_flight" + b: {0, "{request}"},
		"momoko.replica.reads" + a:           {120, "{request}"},
		"momoko.replica.reads" + b:           {40, "{request}"},
		"momoko.replica.retried" + a:         {2, "{request}"},
		"momoko.replica.retried" + b:         {5, "{request}"},
		"momoko.replica.reads_on_primary":    {7, "{request}"},

		"momoko.replica.connection.count{db.client.connection.state=idle}" + a:    {1, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=used}" + a:    {3, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=dead}" + a:    {0, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=pending}" + a: {1, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=idle}" + b:    {0, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=used}" + b:    {0, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=dead}" + b:    {2, "{connection}"},
		"momoko.replica.connection.count{db.client.connection.state=pending}" + b: {0, "{connection}"},
	}
	got := collectReplicas(t, fixedStats(s))
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %+v (present %v), want %+v", k, g, ok, v)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected point %s = %+v", k, g)
		}
	}
}

// TestMetricsWithoutReplicas: a pool without standbys reports no replica
// point, the fallback counter included.
func TestMetricsWithoutReplicas(t *testing.T) {
	if got := collectReplicas(t, fixedStats(pool.Stats{Size: 1, MaxSize: 2})); len(got) > 0 {
		t.Errorf("replica points %v, want none", slices.Sorted(maps.Keys(got)))
	}
}
