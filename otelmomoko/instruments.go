package otelmomoko

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.43.0/dbconv"
)

// instruments are the observable instruments Register creates; README's
// Observability section explains each.
type instruments struct {
	// The semantic conventions' own.
	count, maxConns, pending metric.Int64ObservableUpDownCounter
	timeouts                 metric.Int64ObservableCounter

	dead, dialing, minConns, deepest                                          metric.Int64ObservableUpDownCounter
	statements, pipelined, acquires, waits, cancelled, refused                metric.Int64ObservableCounter
	waitDuration                                                              metric.Float64ObservableCounter
	opens, openFailures, closes, retried, lost, sessionChanges                metric.Int64ObservableCounter
	gateDown, gateDialing                                                     metric.Int64ObservableGauge
	gateDownSince                                                             metric.Float64ObservableGauge
	gateDials, gateDialFailures, gateRedials, gateFastFailures, gateCoalesced metric.Int64ObservableCounter

	replicas replicaInstruments
}

func newInstruments(b *builder) *instruments {
	in := &instruments{}
	count, err := dbconv.NewClientConnectionCountObservable(b.m)
	in.count = count.Inst()
	b.keep(in.count, err)
	maxConns, err := dbconv.NewClientConnectionMaxObservable(b.m)
	in.maxConns = maxConns.Inst()
	b.keep(in.maxConns, err)
	pending, err := dbconv.NewClientConnectionPendingRequestsObservable(b.m)
	in.pending = pending.Inst()
	b.keep(in.pending, err)
	timeouts, err := dbconv.NewClientConnectionTimeoutsObservable(b.m)
	in.timeouts = timeouts.Inst()
	b.keep(in.timeouts, err)

	in.dead = b.upDown("momoko.pool.connection.dead", "{connection}", "Floor connections whose last dial failed; repaired every ReconnectInterval.")
	in.dialing = b.upDown("momoko.pool.connection.pending", "{connection}", "Connections being dialed now.")
	in.minConns = b.upDown("momoko.pool.connection.min", "{connection}", "The floor of connections kept open (Options.Size).")
	in.deepest = b.upDown("momoko.pool.pipeline.depth.max", "{request}", "The most requests ever queued or in flight on one connection at once.")

	in.statements = b.counter("momoko.pool.statements", "{request}", "Requests given to the pool: statements, transactions and pings.")
	in.pipelined = b.counter("momoko.pool.statements.pipelined", "{request}", "Requests given to a connection that already had requests in flight.")
	in.acquires = b.counter("momoko.pool.acquires", "{connection}", "Connections handed to GetConn and Acquire callers.")
	in.waits = b.counter("momoko.pool.waits", "{wait}", "Requests and GetConn/Acquire callers that joined the pool's queue.")
	in.cancelled = b.counter("momoko.pool.wait.cancellations", "{wait}", "Waits that ended because the caller's context ended.")
	in.refused = b.counter("momoko.pool.wait.refusals", "{call}", "Calls failed at once with ErrTooManyWaiting: Options.MaxWaiting callers were waiting already.")
	in.waitDuration = b.floatCounter("momoko.pool.wait.duration", "s", "Time spent in the pool's queue by the waits that ended.")
	in.opens = b.counter("momoko.pool.connection.opens", "{connection}", "Connections the pool started serving.")
	in.openFailures = b.counter("momoko.pool.connection.open_failures", "{connection}", "Connections the pool failed to open, fast failures included.")
	in.closes = b.counter("momoko.pool.connection.closes", "{connection}", "Connections the pool closed, by momoko.close.cause.")
	in.retried = b.counter("momoko.pool.statements.retried", "{request}", "Requests sent to another connection because theirs broke before writing them.")
	in.lost = b.counter("momoko.pool.statements.lost", "{request}", "Requests failed with ErrConnectionLost: their connection broke after they were written.")
	in.sessionChanges = b.counter("momoko.pool.session_changes", "{statement}", "Statements through the pool that left state on their shared connection's session: SET, RESET, DISCARD, session advisory locks.")

	in.gateDown = b.gauge("momoko.gate.down", "1", "1 while the database is considered down and calls fail fast, else 0.")
	in.gateDownSince = b.floatGauge("momoko.gate.down_since", "s", "When the current outage was first seen, in seconds since the Unix epoch; 0 while up.")
	in.gateDialing = b.gauge("momoko.gate.dials.in_progress", "{dial}", "Dials in flight now.")
	in.gateDials = b.counter("momoko.gate.dials", "{dial}", "Dials started, confirmations included.")
	in.gateDialFailures = b.counter("momoko.gate.dial_failures", "{dial}", "Dials that failed.")
	in.gateRedials = b.counter("momoko.gate.redials", "{dial}", "Dials made at once after a failed one, to confirm it.")
	in.gateFastFailures = b.counter("momoko.gate.fast_failures", "{attempt}", "Connection attempts failed without dialing while the database was down.")
	in.gateCoalesced = b.counter("momoko.gate.coalesced", "{attempt}", "Connection attempts that waited for another caller's dial instead of dialing.")

	in.replicas = newReplicaInstruments(b)
	return in
}

// builder creates instruments, keeping the first error and every
// instrument for the callback's registration.
type builder struct {
	m   metric.Meter
	all []metric.Observable
	err error
}

// keep records an instrument created with err.
func (b *builder) keep(i metric.Observable, err error) {
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return
	}
	b.all = append(b.all, i)
}

func (b *builder) counter(name, unit, desc string) metric.Int64ObservableCounter {
	i, err := b.m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.keep(i, err)
	return i
}

func (b *builder) upDown(name, unit, desc string) metric.Int64ObservableUpDownCounter {
	i, err := b.m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.keep(i, err)
	return i
}

func (b *builder) floatCounter(name, unit, desc string) metric.Float64ObservableCounter {
	i, err := b.m.Float64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.keep(i, err)
	return i
}

func (b *builder) gauge(name, unit, desc string) metric.Int64ObservableGauge {
	i, err := b.m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.keep(i, err)
	return i
}

func (b *builder) floatGauge(name, unit, desc string) metric.Float64ObservableGauge {
	i, err := b.m.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.keep(i, err)
	return i
}
