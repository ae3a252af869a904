package prommomoko

import "github.com/prometheus/client_golang/prometheus"

// descs are the collector's metric descriptors; README's Observability
// section explains each.
type descs struct {
	connections, waiting, minSize, maxSize, deepest                           *prometheus.Desc
	statements, pipelined                                                     *prometheus.Desc
	acquires, waits, waitSeconds, timeouts, cancelled, refused                *prometheus.Desc
	opened, openFailures, closed, retried, lost, sessionChanges               *prometheus.Desc
	gateDown, gateDownSince, gateDialing                                      *prometheus.Desc
	gateDials, gateDialFailures, gateRedials, gateFastFailures, gateCoalesced *prometheus.Desc

	latency  latencyDescs
	replicas replicaDescs
}

func newDescs(ns string, labels prometheus.Labels) descs {
	pool := func(name, help string, varLabels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "pool", name), help, varLabels, labels)
	}
	gate := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "gate", name), help, nil, labels)
	}
	return descs{
		connections: pool("connections", "Connections by state: idle, busy (serving statements or taken by GetConn), dead (floor connections whose last dial failed), pending (being dialed).", "state"),
		waiting:     pool("waiting", "Calls queued in the pool for a connection now."),
		minSize:     pool("min_connections", "The floor of connections kept open (Options.Size)."),
		maxSize:     pool("max_connections", "The stretch limit (Options.MaxSize)."),
		deepest:     pool("pipeline_depth_max", "The most requests ever queued or in flight on one connection at once."),

		statements: pool("statements_total", "Requests given to the pool: statements, transactions and pings."),
		pipelined:  pool("pipelined_statements_total", "Requests given to a connection that already had requests in flight, sharing its round trips."),

		acquires:    pool("acquires_total", "Connections handed to GetConn and Acquire callers."),
		waits:       pool("waits_total", "Requests and GetConn/Acquire callers that joined the pool's queue."),
		waitSeconds: pool("wait_duration_seconds_total", "Time spent in the pool's queue by the waits that ended."),
		timeouts:    pool("acquire_timeouts_total", "Waits that ended with ErrAcquireTimeout."),
		cancelled:   pool("wait_cancellations_total", "Waits that ended because the caller's context ended."),
		refused:     pool("wait_refusals_total", "Calls failed at once with ErrTooManyWaiting: Options.MaxWaiting callers were waiting already."),

		opened:       pool("connections_opened_total", "Connections the pool started serving."),
		openFailures: pool("connection_open_failures_total", "Connections the pool failed to open, fast failures included."),
		closed:       pool("connections_closed_total", "Connections the pool closed, by cause: lifetime, health_check, shrink, broken, reset.", "cause"),
		retried:      pool("statements_retried_total", "Requests sent to another connection because theirs broke before writing them."),
		lost:         pool("statements_lost_total", "Requests failed with ErrConnectionLost: their connection broke after they were written."),

		sessionChanges: pool("session_changes_total", "Statements through the pool that left state on their shared connection's session: SET, RESET, DISCARD, session advisory locks."),

		gateDown:      gate("down", "1 while the database is considered down and calls fail fast, else 0."),
		gateDownSince: gate("down_start_time_seconds", "When the current outage was first seen, in seconds since the Unix epoch; 0 while up."),
		gateDialing:   gate("dials_in_progress", "Dials in flight now."),

		gateDials:        gate("dials_total", "Dials started, confirmations included."),
		gateDialFailures: gate("dial_failures_total", "Dials that failed."),
		gateRedials:      gate("redials_total", "Dials made at once after a failed one, to confirm it."),
		gateFastFailures: gate("fast_failures_total", "Connection attempts failed without dialing while the database was down."),
		gateCoalesced:    gate("coalesced_total", "Connection attempts that waited for another caller's dial instead of dialing."),

		latency:  newLatencyDescs(ns, labels),
		replicas: newReplicaDescs(ns, labels),
	}
}

// all includes the replica descriptors even for a pool without standbys:
// a collector's descriptors may not depend on what a scrape finds.
func (d *descs) all() []*prometheus.Desc {
	return append([]*prometheus.Desc{
		d.connections, d.waiting, d.minSize, d.maxSize, d.deepest,
		d.statements, d.pipelined,
		d.acquires, d.waits, d.waitSeconds, d.timeouts, d.cancelled, d.refused,
		d.opened, d.openFailures, d.closed, d.retried, d.lost, d.sessionChanges,
		d.gateDown, d.gateDownSince, d.gateDialing,
		d.gateDials, d.gateDialFailures, d.gateRedials, d.gateFastFailures, d.gateCoalesced,
	}, append(d.latency.all(), d.replicas.all()...)...)
}
