package pool

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// LatencyStats are distributions of where the pool's time goes, in the
// terms of OpenTelemetry's database client conventions
// (db.client.connection.wait_time, .create_time, .use_time and
// db.client.operation.duration). Recording them takes a few atomic adds
// per request and no allocation.
type LatencyStats struct {
	// Since is when the pool was made: the histograms count from then.
	Since time.Time
	// Wait: each wait in the pool's line that ended (Stats.Queue.Waits
	// counts them as they begin).
	Wait Histogram
	// Statement: each request given to the pool (Stats.Statements: an
	// Execute, a Transaction, a CallProc, a Ping), from the call to its
	// future's resolution (its last result read, for one the pool
	// pipelined), whatever the outcome. A Conn's statements are not in it.
	Statement Histogram
	// Create: each connection the momoko driver dialed for the pool, from
	// the request to the connection's being ready (startup and setsession
	// included). Empty for a pool over another driver (FromDB).
	Create Histogram
	// Use: each Conn (GetConn, Acquire), from its handing out to its
	// return.
	Use Histogram
	// Breakdown sums the requests given to the pool that were pipelined
	// (written by the pool and read back).
	Breakdown Breakdown
}

// Breakdown is where the time of pipelined requests went, summed over
// Requests of them: Queued + Behind + Server is their share of
// LatencyStats.Statement's Sum.
type Breakdown struct {
	Requests uint64
	QueryTimes
}

// QueryTimes divides a statement's time from its call to its result.
type QueryTimes struct {
	// Queued: until it was written to a connection (in the pool's line,
	// behind the work already given to that connection, waiting for its
	// Prepare).
	Queued time.Duration
	// Behind: from then until the results of the statements written
	// before it on the connection were read: the pipeline's head-of-line
	// wait.
	Behind time.Duration
	// Server: from then until its own result was read: the server's work
	// and the network.
	Server time.Duration
}

// QueryTimesTracer may be implemented by the pgx.QueryTracer set on the
// pool's ConnConfig: for each statement the pool pipelines it is called
// between TraceQueryStart and TraceQueryEnd, with the context
// TraceQueryStart returned, e.g. to add the times to a span.
type QueryTimesTracer interface {
	TraceQueryTimes(ctx context.Context, conn *pgx.Conn, times QueryTimes)
}

// latencies records LatencyStats.
type latencies struct {
	since                        time.Time
	wait, statement, create, use histogram
	requests                     atomic.Uint64
	queued, behind, server       atomic.Int64
}

func (l *latencies) snapshot() LatencyStats {
	return LatencyStats{
		Since: l.since,
		Wait:  l.wait.snapshot(), Statement: l.statement.snapshot(), Create: l.create.snapshot(), Use: l.use.snapshot(),
		Breakdown: Breakdown{Requests: l.requests.Load(), QueryTimes: QueryTimes{
			Queued: time.Duration(l.queued.Load()), Behind: time.Duration(l.behind.Load()), Server: time.Duration(l.server.Load()),
		}},
	}
}

// observe records the time of a request given to the pool that its owner
// or the pool resolved: up to its last result's reading when it was
// pipelined, so that its breakdown adds up to it.
func (r *request) observe() {
	if r.lat == nil {
		return
	}
	if r.ReadAt.IsZero() || r.Started.IsZero() {
		r.lat.statement.observe(time.Since(r.Queued))
		return
	}
	r.lat.statement.observe(r.ReadAt.Sub(r.Queued))
	r.lat.requests.Add(1)
	r.lat.queued.Add(int64(r.Started.Sub(r.Queued)))
	r.lat.behind.Add(int64(r.ServerFrom.Sub(r.Started)))
	r.lat.server.Add(int64(r.ReadAt.Sub(r.ServerFrom)))
}

// observeCancelled records the time of a request given to the pool whose
// caller's context resolved it, once; d.mu is held (the pool may not have
// taken the request yet: then submit records it).
func (r *request) observeCancelled() {
	if r.lat == nil || r.observed {
		return
	}
	r.observed = true
	r.lat.statement.observe(time.Since(r.Queued))
}
