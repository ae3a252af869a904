package otelmomoko

import (
	"github.com/momoko-go/momoko/pool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// roles are the values of RoleKey: every one is observed for every
// standby, so that a change of role shows as one point going to 0 and
// another to 1 rather than as a point vanishing.
var roles = []pool.Role{pool.RoleUnknown, pool.RoleStandby, pool.RolePrimary, pool.RoleDown}

// replicaInstruments are the standbys' instruments, observed only for a
// pool with standbys.
type replicaInstruments struct {
	usable, role                   metric.Int64ObservableGauge
	lag                            metric.Float64ObservableGauge
	inFlight, connections          metric.Int64ObservableUpDownCounter
	reads, retried, readsOnPrimary metric.Int64ObservableCounter
}

func newReplicaInstruments(b *builder) replicaInstruments {
	var in replicaInstruments
	in.usable = b.gauge("momoko.replica.usable", "1", "1 while the standby takes reads (a standby within MaxReplicaLag whose last check and reads succeeded), else 0.")
	in.role = b.gauge("momoko.replica.role", "1", "1 for the momoko.replica.role its last check found the standby to be (unknown, standby, primary, down), 0 for the others.")
	in.lag = b.floatGauge("momoko.replica.lag", "s", "How far the standby was behind the primary at its last check.")
	in.inFlight = b.upDown("momoko.replica.reads.in_flight", "{request}", "Reads on the standby now.")
	in.connections = b.upDown("momoko.replica.connection.count", "{connection}", "The standby's own connections by db.client.connection.state: idle, used, dead, pending.")
	in.reads = b.counter("momoko.replica.reads", "{request}", "Reads the standby resolved.")
	in.retried = b.counter("momoko.replica.retried", "{request}", "Reads that failed on the standby and were sent elsewhere.")
	in.readsOnPrimary = b.counter("momoko.replica.reads_on_primary", "{request}", "Reads sent through Replica that no standby could take and that ran on the primary (FallbackToPrimary).")
	return in
}

// observe reports s's standbys, each measurement with poolAttr and, but
// for the fallbacks to the primary, the standby's name.
func (in *replicaInstruments) observe(o metric.Observer, s pool.Stats, poolAttr attribute.KeyValue) {
	for _, r := range s.Replicas {
		standby := StandbyKey.String(r.Name)
		only := metric.WithAttributes(poolAttr, standby)
		with := func(kv attribute.KeyValue) metric.ObserveOption { return metric.WithAttributes(poolAttr, standby, kv) }

		usable := int64(0)
		if r.Usable {
			usable = 1
		}
		o.ObserveInt64(in.usable, usable, only)
		for _, role := range roles {
			current := int64(0)
			if role == r.Role {
				current = 1
			}
			o.ObserveInt64(in.role, current, with(RoleKey.String(role.String())))
		}
		o.ObserveFloat64(in.lag, r.Lag.Seconds(), only)
		o.ObserveInt64(in.inFlight, int64(r.InFlight), only)
		o.ObserveInt64(in.connections, int64(r.Pool.Free), with(semconv.DBClientConnectionStateIdle))
		o.ObserveInt64(in.connections, int64(r.Pool.Busy), with(semconv.DBClientConnectionStateUsed))
		o.ObserveInt64(in.connections, int64(r.Pool.Dead), with(semconv.DBClientConnectionStateKey.String("dead")))
		o.ObserveInt64(in.connections, int64(r.Pool.Pending), with(semconv.DBClientConnectionStateKey.String("pending")))
		o.ObserveInt64(in.reads, int64(r.Reads), only)
		o.ObserveInt64(in.retried, int64(r.Retried), only)
	}
	o.ObserveInt64(in.readsOnPrimary, int64(s.ReadsOnPrimary), metric.WithAttributes(poolAttr))
}
