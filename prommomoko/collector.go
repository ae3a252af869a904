// Package prommomoko exports a momoko pool's Stats to Prometheus.
//
//	reg.MustRegister(prommomoko.NewCollector(p, prommomoko.Opts{ConstLabels: prometheus.Labels{"pool": "main"}}))
//
// Each scrape takes one Stats snapshot, so the numbers of a scrape belong
// to the same moment. It is its own module, so that the pool's users who
// do not scrape do not compile client_golang. database/sql's own numbers
// (p.DB()) come from client_golang's collectors.NewDBStatsCollector; for
// a momoko pool they miss the callers queued in the pool, which
// momoko_pool_waiting and momoko_pool_waits_total count.
//
// Stats.Latency is exported as histograms with the pool's fixed buckets
// (5µs to 10s): momoko_pool_connection_wait_seconds,
// momoko_pool_statement_duration_seconds,
// momoko_pool_connection_create_seconds and
// momoko_pool_connection_use_seconds; where the time of pipelined
// requests went is momoko_pool_pipelined_phase_seconds_total by phase
// (queued, behind, server) over momoko_pool_pipelined_phase_requests_total.
//
// A pool with standbys (Options.Replicas) also exports, labelled by
// standby (host:port), whether each takes reads (momoko_replica_usable),
// why not (momoko_replica_role, momoko_replica_lag_seconds), the reads it
// carries (momoko_replica_reads_in_flight, _reads_total, _retried_total)
// and its own connections (momoko_replica_connections), and the reads that
// fell back to the primary (momoko_replica_reads_on_primary_total). A pool
// without standbys exports none of them rather than series that are
// always 0.
package prommomoko

import (
	"github.com/momoko-go/momoko/pool"
	"github.com/prometheus/client_golang/prometheus"
)

// StatsSource is what the collector reads: a *pool.Pool.
type StatsSource interface {
	Stats() pool.Stats
}

// Opts configure a Collector.
type Opts struct {
	// Namespace prefixes every metric name. Default "momoko".
	Namespace string
	// ConstLabels are added to every metric, such as {"pool": "main"}
	// to tell several pools apart.
	ConstLabels prometheus.Labels
}

// Collector is a prometheus.Collector for one pool.
type Collector struct {
	src   StatsSource
	descs descs
}

// NewCollector returns a collector of src's Stats.
func NewCollector(src StatsSource, opts Opts) *Collector {
	ns := opts.Namespace
	if ns == "" {
		ns = "momoko"
	}
	return &Collector{src: src, descs: newDescs(ns, opts.ConstLabels)}
}

// Describe sends the descriptors of every metric the collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs.all() {
		ch <- d
	}
}

// Collect takes one Stats snapshot and sends every metric from it.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	d := &c.descs
	send := sender(ch)
	gauge, counter := send.gauge, send.counter

	gauge(d.connections, float64(s.Free), "idle")
	gauge(d.connections, float64(s.Busy), "busy")
	gauge(d.connections, float64(s.Dead), "dead")
	gauge(d.connections, float64(s.Pending), "pending")
	gauge(d.waiting, float64(s.Waiting))
	gauge(d.minSize, float64(s.Size))
	gauge(d.maxSize, float64(s.MaxSize))
	gauge(d.deepest, float64(s.DeepestPipeline))

	counter(d.statements, s.Statements)
	counter(d.pipelined, s.Pipelined)
	counter(d.acquires, s.Queue.Acquires)
	counter(d.waits, s.Queue.Waits)
	ch <- prometheus.MustNewConstMetric(d.waitSeconds, prometheus.CounterValue, s.Queue.WaitTime.Seconds())
	counter(d.timeouts, s.Queue.Timeouts)
	counter(d.cancelled, s.Queue.Cancelled)
	counter(d.refused, s.Queue.Refused)
	counter(d.opened, s.Opens)
	counter(d.openFailures, s.OpenFailures)
	counter(d.closed, s.Closes.Lifetime, "lifetime")
	counter(d.closed, s.Closes.HealthCheck, "health_check")
	counter(d.closed, s.Closes.Shrink, "shrink")
	counter(d.closed, s.Closes.Broken, "broken")
	counter(d.closed, s.Closes.Reset, "reset")
	counter(d.retried, s.Retried)
	counter(d.lost, s.Lost)
	counter(d.sessionChanges, s.SessionChanges)
	d.latency.collect(send, s.Latency)

	g := s.Gate
	down, since := 0.0, 0.0
	if g.Down {
		down = 1
		since = float64(g.DownSince.UnixNano()) / 1e9
	}
	gauge(d.gateDown, down)
	gauge(d.gateDownSince, since)
	gauge(d.gateDialing, float64(g.Dialing))
	counter(d.gateDials, uint64(g.Dials))
	counter(d.gateDialFailures, uint64(g.DialFailures))
	counter(d.gateRedials, uint64(g.Redials))
	counter(d.gateFastFailures, uint64(g.FastFailures))
	counter(d.gateCoalesced, uint64(g.Coalesced))

	if len(s.Replicas) > 0 {
		d.replicas.collect(send, s)
	}
}

// sender sends the const metrics of one Collect.
type sender chan<- prometheus.Metric

func (ch sender) gauge(desc *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
}

func (ch sender) counter(desc *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
}
