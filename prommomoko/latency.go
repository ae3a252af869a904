package prommomoko

import (
	"github.com/momoko-go/momoko/pool"
	"github.com/prometheus/client_golang/prometheus"
)

// latencyDescs export Stats.Latency: four histograms with the pool's
// fixed buckets, and the breakdown of pipelined time by phase.
type latencyDescs struct {
	wait, statement, create, use *prometheus.Desc
	phaseSeconds, phaseRequests  *prometheus.Desc
}

func newLatencyDescs(ns string, labels prometheus.Labels) latencyDescs {
	pool := func(name, help string, varLabels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "pool", name), help, varLabels, labels)
	}
	return latencyDescs{
		wait:          pool("connection_wait_seconds", "Time each wait in the pool's queue took, once it ended."),
		statement:     pool("statement_duration_seconds", "Time from each call given to the pool (statement, transaction, ping) to its future's resolution."),
		create:        pool("connection_create_seconds", "Time each connection dialed for the pool took to be ready."),
		use:           pool("connection_use_seconds", "Time each connection taken with GetConn or Acquire was held."),
		phaseSeconds:  pool("pipelined_phase_seconds_total", "Time of the pipelined requests by phase: queued (until written), behind (the results ahead of it on its connection), server (its own result).", "phase"),
		phaseRequests: pool("pipelined_phase_requests_total", "Pipelined requests whose time momoko_pool_pipelined_phase_seconds_total divides."),
	}
}

func (d *latencyDescs) all() []*prometheus.Desc {
	return []*prometheus.Desc{d.wait, d.statement, d.create, d.use, d.phaseSeconds, d.phaseRequests}
}

func (d *latencyDescs) collect(ch sender, l pool.LatencyStats) {
	ch <- histogram(d.wait, l.Wait)
	ch <- histogram(d.statement, l.Statement)
	ch <- histogram(d.create, l.Create)
	ch <- histogram(d.use, l.Use)
	b := l.Breakdown
	ch <- prometheus.MustNewConstMetric(d.phaseSeconds, prometheus.CounterValue, b.Queued.Seconds(), "queued")
	ch <- prometheus.MustNewConstMetric(d.phaseSeconds, prometheus.CounterValue, b.Behind.Seconds(), "behind")
	ch <- prometheus.MustNewConstMetric(d.phaseSeconds, prometheus.CounterValue, b.Server.Seconds(), "server")
	ch.counter(d.phaseRequests, b.Requests)
}

// histogram is h in Prometheus' terms: cumulative counts per upper bound
// in seconds (the last bucket, above every bound, is +Inf's: Count).
func histogram(desc *prometheus.Desc, h pool.Histogram) prometheus.Metric {
	bounds := pool.HistogramBounds()
	buckets := make(map[float64]uint64, len(bounds))
	var cumulative uint64
	for i, le := range bounds {
		cumulative += h.Buckets[i]
		buckets[le.Seconds()] = cumulative
	}
	return prometheus.MustNewConstHistogram(desc, h.Count, h.Sum.Seconds(), buckets)
}
