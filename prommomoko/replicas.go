package prommomoko

import (
	"github.com/momoko-go/momoko/pool"
	"github.com/prometheus/client_golang/prometheus"
)

// roles are the states of momoko_replica_role: every one is exported for
// every standby, so that a change of role shows as one series going to 0
// and another to 1 rather than as a series vanishing.
var roles = []pool.Role{pool.RoleUnknown, pool.RoleStandby, pool.RolePrimary, pool.RoleDown}

// replicaDescs are the descriptors of the standbys' metrics, labelled by
// standby (host:port) but for readsOnPrimary.
type replicaDescs struct {
	usable, lag, role, inFlight, connections *prometheus.Desc
	reads, retried, readsOnPrimary           *prometheus.Desc
}

func newReplicaDescs(ns string, labels prometheus.Labels) replicaDescs {
	replica := func(name, help string, varLabels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "replica", name), help, append([]string{"standby"}, varLabels...), labels)
	}
	return replicaDescs{
		usable:      replica("usable", "1 while the standby takes reads (a standby within MaxReplicaLag whose last check and reads succeeded), else 0."),
		lag:         replica("lag_seconds", "How far the standby was behind the primary at its last check."),
		role:        replica("role", "1 for what the standby's last check found it to be (unknown, standby, primary, down), 0 for the other roles.", "role"),
		inFlight:    replica("reads_in_flight", "Reads on the standby now."),
		connections: replica("connections", "The standby's own connections by state: idle, busy, dead, pending.", "state"),

		reads:   replica("reads_total", "Reads the standby resolved."),
		retried: replica("retried_total", "Reads that failed on the standby and were sent elsewhere."),
		readsOnPrimary: prometheus.NewDesc(prometheus.BuildFQName(ns, "replica", "reads_on_primary_total"),
			"Reads sent through Replica that no standby could take and that ran on the primary (FallbackToPrimary).", nil, labels),
	}
}

func (d *replicaDescs) all() []*prometheus.Desc {
	return []*prometheus.Desc{
		d.usable, d.lag, d.role, d.inFlight, d.connections,
		d.reads, d.retried, d.readsOnPrimary,
	}
}

// collect sends the metrics of s's standbys.
func (d *replicaDescs) collect(send sender, s pool.Stats) {
	for _, r := range s.Replicas {
		usable := 0.0
		if r.Usable {
			usable = 1
		}
		send.gauge(d.usable, usable, r.Name)
		send.gauge(d.lag, r.Lag.Seconds(), r.Name)
		for _, role := range roles {
			current := 0.0
			if role == r.Role {
				current = 1
			}
			send.gauge(d.role, current, r.Name, role.String())
		}
		send.gauge(d.inFlight, float64(r.InFlight), r.Name)
		send.gauge(d.connections, float64(r.Pool.Free), r.Name, "idle")
		send.gauge(d.connections, float64(r.Pool.Busy), r.Name, "busy")
		send.gauge(d.connections, float64(r.Pool.Dead), r.Name, "dead")
		send.gauge(d.connections, float64(r.Pool.Pending), r.Name, "pending")
		send.counter(d.reads, r.Reads, r.Name)
		send.counter(d.retried, r.Retried, r.Name)
	}
	send.counter(d.readsOnPrimary, s.ReadsOnPrimary)
}
