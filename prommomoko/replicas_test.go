package prommomoko_test

import (
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/pool"
	"github.com/momoko-go/momoko/prommomoko"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fixedStats is a StatsSource that needs no server.
type fixedStats pool.Stats

func (s fixedStats) Stats() pool.Stats { return pool.Stats(s) }

var replicaMetrics = []string{
	"momoko_replica_usable", "momoko_replica_lag_seconds", "momoko_replica_role",
	"momoko_replica_reads_in_flight", "momoko_replica_reads_total", "momoko_replica_retried_total",
	"momoko_replica_connections", "momoko_replica_reads_on_primary_total",
}

// TestCollectorReplicas: each standby's metrics carry its name, its role
// is a state set, its connections come from its own pool's Stats, and the
// fallbacks to the primary are counted once for the pool; the names pass
// client_golang's lint.
func TestCollectorReplicas(t *testing.T) {
	s := pool.Stats{
		Replicas: []pool.ReplicaStats{
			{Name: "10.0.0.2:5432", Role: pool.RoleStandby, Usable: true, Lag: 1500 * time.Millisecond,
				InFlight: 3, Reads: 120, Retried: 2, Pool: pool.Stats{Free: 1, Busy: 3, Pending: 1}},
			{Name: "10.0.0.3:5432", Role: pool.RoleDown, LastError: "connection refused",
				Reads: 40, Retried: 5, Pool: pool.Stats{Dead: 2}},
		},
		ReadsOnPrimary: 7,
	}
	c := prommomoko.NewCollector(fixedStats(s), prommomoko.Opts{ConstLabels: prometheus.Labels{"pool": "test"}})

	want := `
# HELP momoko_replica_connections The standby's own connections by state: idle, busy, dead, pending.
# TYPE momoko_replica_connections gauge
momoko_replica_connections{pool="test",standby="10.0.0.2:5432",state="busy"} 3
momoko_replica_connections{pool="test",standby="10.0.0.2:5432",state="dead"} 0
momoko_replica_connections{pool="test",standby="10.0.0.2:5432",state="idle"} 1
momoko_replica_connections{pool="test",standby="10.0.0.2:5432",state="pending"} 1
momoko_replica_connections{pool="test",standby="10.0.0.3:5432",state="busy"} 0
momoko_replica_connections{pool="test",standby="10.0.0.3:5432",state="dead"} 2
momoko_replica_connections{pool="test",standby="10.0.0.3:5432",state="idle"} 0
momoko_replica_connections{pool="test",standby="10.0.0.3:5432",state="pending"} 0
# HELP momoko_replica_lag_seconds How far the standby was behind the primary at its last check.
# TYPE momoko_replica_lag_seconds gauge
momoko_replica_lag_seconds{pool="test",standby="10.0.0.2:5432"} 1.5
momoko_replica_lag_seconds{pool="test",standby="10.0.0.3:5432"} 0
# HELP momoko_replica_reads_in_flight Reads on the standby now.
# TYPE momoko_replica_reads_in_flight gauge
momoko_replica_reads_in_flight{pool="test",standby="10.0.0.2:5432"} 3
momoko_replica_reads_in_flight{pool="test",standby="10.0.0.3:5432"} 0
# HELP momoko_replica_reads_on_primary_total Reads sent through Replica that no standby could take and that ran on the primary (FallbackToPrimary).
# TYPE momoko_replica_reads_on_primary_total counter
momoko_replica_reads_on_primary_total{pool="test"} 7
# HELP momoko_replica_reads_total Reads the standby resolved.
# TYPE momoko_replica_reads_total counter
momoko_replica_reads_total{pool="test",standby="10.0.0.2:5432"} 120
momoko_replica_reads_total{pool="test",standby="10.0.0.3:5432"} 40
# HELP momoko_replica_retried_total Reads that failed on the standby and were sent elsewhere.
# TYPE momoko_replica_retried_total counter
momoko_replica_retried_total{pool="test",standby="10.0.0.2:5432"} 2
momoko_replica_retried_total{pool="test",standby="10.0.0.3:5432"} 5
# HELP momoko_replica_role 1 for what the standby's last check found it to be (unknown, standby, primary, down), 0 for the other roles.
# TYPE momoko_replica_role gauge
momoko_replica_role{pool="test",role="down",standby="10.0.0.2:5432"} 0
momoko_replica_role{pool="test",role="primary",standby="10.0.0.2:5432"} 0
momoko_replica_role{pool="test",role="standby",standby="10.0.0.2:5432"} 1
momoko_replica_role{pool="test",role="unknown",standby="10.0.0.2:5432"} 0
momoko_replica_role{pool="test",role="down",standby="10.0.0.3:5432"} 1
momoko_replica_role{pool="test",role="primary",standby="10.0.0.3:5432"} 0
momoko_replica_role{pool="test",role="standby",standby="10.0.0.3:5432"} 0
momoko_replica_role{pool="test",role="unknown",standby="10.0.0.3:5432"} 0
# HELP momoko_replica_usable 1 while the standby takes reads (a standby within MaxReplicaLag whose last check and reads succeeded), else 0.
# TYPE momoko_replica_usable gauge
momoko_replica_usable{pool="test",standby="10.0.0.2:5432"} 1
momoko_replica_usable{pool="test",standby="10.0.0.3:5432"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), replicaMetrics...); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
}

// TestCollectorWithoutReplicas: a pool without standbys exports no
// replica metric, the fallback counter included.
func TestCollectorWithoutReplicas(t *testing.T) {
	c := prommomoko.NewCollector(fixedStats(pool.Stats{Size: 1, MaxSize: 2}), prommomoko.Opts{})
	if n := testutil.CollectAndCount(c, replicaMetrics...); n != 0 {
		t.Errorf("%d replica metrics, want none", n)
	}
}
