package main

import (
	"fmt"
	"net/http"

	"github.com/momoko-go/momoko/pool"
)

// metric is one sample of the /metrics page.
type metric struct {
	name, kind, help string
	label            string // `name="value"`, or ""
	value            float64
}

// metrics serves the pool's Stats in Prometheus' text format, under the
// names of the prommomoko collector. The tutorial writes the format itself
// to stay within the core module; an application registers
// prommomoko.NewCollector with client_golang instead.
func (a *app) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	last := ""
	for _, m := range poolMetrics(a.db.Stats()) {
		if m.name != last {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.kind)
			last = m.name
		}
		if m.label != "" {
			fmt.Fprintf(w, "%s{%s} %g\n", m.name, m.label, m.value)
		} else {
			fmt.Fprintf(w, "%s %g\n", m.name, m.value)
		}
	}
}

func poolMetrics(s pool.Stats) []metric {
	const conns = "Connections by state."
	const closed = "Connections the pool closed, by cause."
	down := 0.0
	if s.Gate.Down {
		down = 1
	}
	return []metric{
		{"momoko_pool_connections", "gauge", conns, `state="idle"`, float64(s.Free)},
		{"momoko_pool_connections", "gauge", conns, `state="busy"`, float64(s.Busy)},
		{"momoko_pool_connections", "gauge", conns, `state="dead"`, float64(s.Dead)},
		{"momoko_pool_connections", "gauge", conns, `state="pending"`, float64(s.Pending)},
		{"momoko_pool_waiting", "gauge", "Calls queued in the pool for a connection now.", "", float64(s.Waiting)},
		{"momoko_pool_statements_total", "counter", "Requests given to the pool.", "", float64(s.Statements)},
		{"momoko_pool_pipelined_statements_total", "counter", "Requests sharing a busy connection's round trips.", "", float64(s.Pipelined)},
		{"momoko_pool_waits_total", "counter", "Waits in the pool's queue.", "", float64(s.Queue.Waits)},
		{"momoko_pool_wait_duration_seconds_total", "counter", "Time spent in the pool's queue.", "", s.Queue.WaitTime.Seconds()},
		{"momoko_pool_acquire_timeouts_total", "counter", "Waits that ended with ErrAcquireTimeout.", "", float64(s.Queue.Timeouts)},
		{"momoko_pool_wait_cancellations_total", "counter", "Waits ended by the caller's context.", "", float64(s.Queue.Cancelled)},
		{"momoko_pool_connections_opened_total", "counter", "Connections the pool started serving.", "", float64(s.Opens)},
		{"momoko_pool_connections_closed_total", "counter", closed, `cause="lifetime"`, float64(s.Closes.Lifetime)},
		{"momoko_pool_connections_closed_total", "counter", closed, `cause="health_check"`, float64(s.Closes.HealthCheck)},
		{"momoko_pool_connections_closed_total", "counter", closed, `cause="shrink"`, float64(s.Closes.Shrink)},
		{"momoko_pool_connections_closed_total", "counter", closed, `cause="broken"`, float64(s.Closes.Broken)},
		{"momoko_pool_connections_closed_total", "counter", closed, `cause="reset"`, float64(s.Closes.Reset)},
		{"momoko_pool_statements_retried_total", "counter", "Requests retried because never sent.", "", float64(s.Retried)},
		{"momoko_pool_statements_lost_total", "counter", "Requests failed with ErrConnectionLost.", "", float64(s.Lost)},
		{"momoko_gate_down", "gauge", "1 while the database is considered down.", "", down},
		{"momoko_gate_fast_failures_total", "counter", "Connection attempts failed without dialing.", "", float64(s.Gate.FastFailures)},
	}
}
