package otelmomoko

import (
	"context"
	"time"

	"github.com/momoko-go/momoko/pool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/dbconv"
)

// PhaseKey is the attribute of momoko.pool.pipelined.duration: queued,
// behind or server.
const PhaseKey = attribute.Key("momoko.pipeline.phase")

// Histograms returns a Producer of the pool's Stats.Latency, for a reader
// of the OpenTelemetry SDK:
//
//	reader := sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithProducer(otelmomoko.Histograms(p, otelmomoko.Opts{PoolName: "main"})))
//
// It reports the semantic conventions' histograms, in seconds, with the
// pool's fixed buckets (5µs to 10s): db.client.connection.wait_time (the
// waits in the pool's queue), db.client.connection.create_time (dials),
// db.client.connection.use_time (Conns from GetConn and Acquire), and
// db.client.operation.duration (every call given to the pool, from the
// call to its future's resolution); and the counter
// momoko.pool.pipelined.duration, the time of pipelined requests by
// phase, over momoko.pool.pipelined.requests. The OpenTelemetry API has
// no observable histogram: the pool keeps its histograms itself, and the
// SDK takes them as an external producer's, cumulative since the pool was
// made.
func Histograms(src StatsSource, opts Opts) sdkmetric.Producer {
	name := opts.PoolName
	if name == "" {
		name = "momoko"
	}
	return &producer{src: src, start: time.Now(),
		pool: attribute.NewSet(semconv.DBClientConnectionPoolName(name)),
		op:   attribute.NewSet(semconv.DBClientConnectionPoolName(name), semconv.DBSystemNamePostgreSQL)}
}

type producer struct {
	src      StatsSource
	start    time.Time
	pool, op attribute.Set
}

// Produce takes one Stats snapshot.
func (p *producer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	l := p.src.Stats().Latency
	now, start := time.Now(), l.Since
	if start.IsZero() {
		start = p.start
	}
	hist := func(name, description, unit string, h pool.Histogram, attrs attribute.Set) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Description: description, Unit: unit, Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints:  []metricdata.HistogramDataPoint[float64]{p.point(h, attrs, start, now)},
		}}
	}
	wait, create, use, op := dbconv.ClientConnectionWaitTime{}, dbconv.ClientConnectionCreateTime{}, dbconv.ClientConnectionUseTime{}, dbconv.ClientOperationDuration{}
	b := l.Breakdown
	phase := func(v time.Duration, name string) metricdata.DataPoint[float64] {
		return metricdata.DataPoint[float64]{Attributes: attribute.NewSet(append(p.pool.ToSlice(), PhaseKey.String(name))...),
			StartTime: start, Time: now, Value: v.Seconds()}
	}
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "github.com/momoko-go/momoko/otelmomoko"},
		Metrics: []metricdata.Metrics{
			hist(wait.Name(), wait.Description(), wait.Unit(), l.Wait, p.pool),
			hist(create.Name(), create.Description(), create.Unit(), l.Create, p.pool),
			hist(use.Name(), use.Description(), use.Unit(), l.Use, p.pool),
			hist(op.Name(), op.Description(), op.Unit(), l.Statement, p.op),
			{Name: "momoko.pool.pipelined.duration", Unit: "s",
				Description: "Time of the pipelined requests by phase: queued (until written), behind (the results ahead of it on its connection), server (its own result).",
				Data: metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
					DataPoints: []metricdata.DataPoint[float64]{phase(b.Queued, "queued"), phase(b.Behind, "behind"), phase(b.Server, "server")}}},
			{Name: "momoko.pool.pipelined.requests", Unit: "{request}",
				Description: "Pipelined requests whose time momoko.pool.pipelined.duration divides.",
				Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
					DataPoints: []metricdata.DataPoint[int64]{{Attributes: p.pool, StartTime: start, Time: now, Value: int64(b.Requests)}}}},
		},
	}}, nil
}

// point is h as an OpenTelemetry explicit-bucket histogram point: the
// pool's bounds in seconds and its per-bucket counts, the last bucket
// being the one above every bound.
func (p *producer) point(h pool.Histogram, attrs attribute.Set, start, now time.Time) metricdata.HistogramDataPoint[float64] {
	bounds := pool.HistogramBounds()
	pt := metricdata.HistogramDataPoint[float64]{Attributes: attrs, StartTime: start, Time: now,
		Count: h.Count, Sum: h.Sum.Seconds(), Bounds: make([]float64, len(bounds)), BucketCounts: h.Buckets[:]}
	for i, b := range bounds {
		pt.Bounds[i] = b.Seconds()
	}
	return pt
}
