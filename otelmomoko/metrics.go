// Package otelmomoko reports a momoko pool's Stats as OpenTelemetry
// metrics, with observable instruments read once per collection:
//
//	reg, err := otelmomoko.Register(p, otel.Meter("app"), otelmomoko.Opts{PoolName: "main"})
//	defer reg.Unregister()
//
// Names follow the semantic conventions for database client connection
// metrics where they apply (db.client.connection.count with state idle or
// used, db.client.connection.max, db.client.connection.pending_requests,
// db.client.connection.timeouts); the rest are momoko.*. The conventions'
// histograms (db.client.connection.wait_time, create_time, use_time and
// db.client.operation.duration) come from Stats.Latency through
// Histograms, a producer for the SDK's reader, as the API has no
// observable histogram. It is its own module, so that the pool's users
// who do not use OpenTelemetry do not compile it.
//
// A pool with standbys (Options.Replicas) also reports, with each
// standby's host:port as momoko.standby, whether it takes reads
// (momoko.replica.usable), why not (momoko.replica.role,
// momoko.replica.lag), the reads it carries (momoko.replica.reads.in_flight,
// momoko.replica.reads, momoko.replica.retried) and its own connections
// (momoko.replica.connection.count), and the reads that fell back to the
// primary (momoko.replica.reads_on_primary). A pool without standbys
// reports none of them rather than points that are always 0.
package otelmomoko

import (
	"context"

	"github.com/momoko-go/momoko/pool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// StatsSource is what the instruments read: a *pool.Pool.
type StatsSource interface {
	Stats() pool.Stats
}

// Opts configure Register.
type Opts struct {
	// PoolName is db.client.connection.pool.name on every measurement,
	// unique within the application. Default "momoko".
	PoolName string
}

// CauseKey is the attribute telling why the pool closed a connection, on
// momoko.pool.connection.closes: lifetime, health_check, shrink, broken or
// reset.
const CauseKey = attribute.Key("momoko.close.cause")

// StandbyKey is the attribute naming the standby, as host:port, on the
// momoko.replica.* measurements but momoko.replica.reads_on_primary.
const StandbyKey = attribute.Key("momoko.standby")

// RoleKey is the attribute of momoko.replica.role: unknown, standby,
// primary or down.
const RoleKey = attribute.Key("momoko.replica.role")

// Register creates the instruments on meter and a callback that observes
// them all from one Stats snapshot of src per collection. Unregister the
// returned registration when the pool closes.
func Register(src StatsSource, meter metric.Meter, opts Opts) (metric.Registration, error) {
	name := opts.PoolName
	if name == "" {
		name = "momoko"
	}
	b := builder{m: meter}
	in := newInstruments(&b)
	if b.err != nil {
		return nil, b.err
	}
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		in.observe(o, src.Stats(), name)
		return nil
	}, b.all...)
}

// observe reports s; every measurement carries the pool's name.
func (in *instruments) observe(o metric.Observer, s pool.Stats, name string) {
	poolAttr := semconv.DBClientConnectionPoolName(name)
	only := metric.WithAttributes(poolAttr)
	with := func(kv attribute.KeyValue) metric.ObserveOption { return metric.WithAttributes(poolAttr, kv) }
	u := func(v uint64) int64 { return int64(v) }

	o.ObserveInt64(in.count, int64(s.Free), with(semconv.DBClientConnectionStateIdle))
	o.ObserveInt64(in.count, int64(s.Busy), with(semconv.DBClientConnectionStateUsed))
	o.ObserveInt64(in.maxConns, int64(s.MaxSize), only)
	o.ObserveInt64(in.pending, int64(s.Waiting), only)
	o.ObserveInt64(in.timeouts, u(s.Queue.Timeouts), only)

	o.ObserveInt64(in.dead, int64(s.Dead), only)
	o.ObserveInt64(in.dialing, int64(s.Pending), only)
	o.ObserveInt64(in.minConns, int64(s.Size), only)
	o.ObserveInt64(in.deepest, int64(s.DeepestPipeline), only)
	o.ObserveInt64(in.statements, u(s.Statements), only)
	o.ObserveInt64(in.pipelined, u(s.Pipelined), only)
	o.ObserveInt64(in.acquires, u(s.Queue.Acquires), only)
	o.ObserveInt64(in.waits, u(s.Queue.Waits), only)
	o.ObserveFloat64(in.waitDuration, s.Queue.WaitTime.Seconds(), only)
	o.ObserveInt64(in.cancelled, u(s.Queue.Cancelled), only)
	o.ObserveInt64(in.refused, u(s.Queue.Refused), only)
	o.ObserveInt64(in.opens, u(s.Opens), only)
	o.ObserveInt64(in.openFailures, u(s.OpenFailures), only)
	o.ObserveInt64(in.closes, u(s.Closes.Lifetime), with(CauseKey.String("lifetime")))
	o.ObserveInt64(in.closes, u(s.Closes.HealthCheck), with(CauseKey.String("health_check")))
	o.ObserveInt64(in.closes, u(s.Closes.Shrink), with(CauseKey.String("shrink")))
	o.ObserveInt64(in.closes, u(s.Closes.Broken), with(CauseKey.String("broken")))
	o.ObserveInt64(in.closes, u(s.Closes.Reset), with(CauseKey.String("reset")))
	o.ObserveInt64(in.retried, u(s.Retried), only)
	o.ObserveInt64(in.lost, u(s.Lost), only)
	o.ObserveInt64(in.sessionChanges, u(s.SessionChanges), only)

	g := s.Gate
	down, since := int64(0), 0.0
	if g.Down {
		down, since = 1, float64(g.DownSince.UnixNano())/1e9
	}
	o.ObserveInt64(in.gateDown, down, only)
	o.ObserveFloat64(in.gateDownSince, since, only)
	o.ObserveInt64(in.gateDialing, int64(g.Dialing), only)
	o.ObserveInt64(in.gateDials, g.Dials, only)
	o.ObserveInt64(in.gateDialFailures, g.DialFailures, only)
	o.ObserveInt64(in.gateRedials, g.Redials, only)
	o.ObserveInt64(in.gateFastFailures, g.FastFailures, only)
	o.ObserveInt64(in.gateCoalesced, g.Coalesced, only)

	if len(s.Replicas) > 0 {
		in.replicas.observe(o, s, poolAttr)
	}
}
