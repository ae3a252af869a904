package pool

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/momoko-go/momoko/driver"
)

// Stats is a snapshot of the pool in Momoko's terms, next to database/sql's
// own statistics.
type Stats struct {
	Free    int // idle connections, those being pinged by the health check included
	Busy    int // connections in use: serving requests, or taken with GetConn
	Dead    int // floor connections whose last dial failed; repaired every ReconnectInterval
	Pending int // connections being dialed now
	Waiting int // calls queued for a connection
	Total   int // Free + Busy + Dead + Pending, as Momoko counts
	Size    int // the floor
	MaxSize int // the stretch limit
	Closed  bool

	// Statements counts the requests given to the pool (statements,
	// transactions, pings) since it was made; Pipelined, those given to a
	// connection that already had requests queued or in flight, so that
	// they share its round trips; and DeepestPipeline is the most requests
	// ever queued or in flight on one connection at once.
	Statements      uint64
	Pipelined       uint64
	DeepestPipeline int
	// MovedFromLate counts requests given to a connection whose pipeline
	// then waited on its head (a lock wait, a slow plan) before they were
	// written, and that went to another connection instead.
	MovedFromLate uint64
	// ReadGroups counts the statements whose outcome came from a read
	// group (Options.ReadGroups), and the runs in groups that did not
	// stand (a member after or before one that failed, a writer found,
	// a group refused), each of which was written again.
	ReadGroups ReadGroupCounts

	// Closes counts the connections the pool closed, by cause, since it
	// was made.
	Closes CloseCounts

	// Queue counts what went through the pool's own FIFO queue, where
	// callers wait when every connection is busy at MaxSize (database/sql
	// never sees them: DB.WaitCount stays 0).
	Queue QueueCounts

	// Opens counts the connections the pool started serving: dialed, or
	// taken back from database/sql's own callers. OpenFailures counts the
	// dials that failed, fast failures of the gate included.
	Opens        uint64
	OpenFailures uint64
	// Retried counts requests given to another connection because the
	// one they were given to broke before writing them: they provably
	// never reached the server.
	Retried uint64
	// Lost counts requests whose connection broke after they were
	// written: they failed with driver.ErrConnectionLost, as they may have
	// run. Requests whose caller had already given up are not counted.
	Lost uint64
	// SessionChanges counts the statements run through the pool (Execute,
	// Transaction, CallProc, and Replica's reads on the primary; a
	// standby's in its Replicas[i].Pool; not a Conn's) that succeeded and
	// left state on their session, which the connection's next callers
	// inherit: SET (not SET LOCAL), RESET, DISCARD, a session-level
	// advisory lock. They are told by their text; Options.Logger warns of
	// each statement's first.
	SessionChanges uint64

	// Latency are the distributions of waits, statement times, dials and
	// Conn uses, and where the time of pipelined statements went.
	Latency LatencyStats

	// Gate is the momoko driver's fail-fast gate: whether the database is
	// considered down and since when, its dials, dial failures and fast
	// failures. Zero for a pool made by FromDB.
	Gate driver.ConnectorStats

	// Replicas are the standbys (Options.Replicas), each with the
	// statistics of its own connections; ReadsOnPrimary counts the reads
	// sent through Replica that no standby could take and that ran on the
	// primary (FallbackToPrimary).
	Replicas       []ReplicaStats
	ReadsOnPrimary uint64

	DB sql.DBStats
}

// QueueCounts counts the waits in the pool's FIFO queue since the pool was
// made. A wait ends when its caller gets a connection, times out, gives up,
// or the pool closes; a request re-queued after its connection broke
// before writing it waits again.
type QueueCounts struct {
	// Acquires counts connections taken for GetConn and Acquire callers;
	// one that fails its ping and is replaced unseen counts again.
	Acquires uint64
	Waits    uint64 // requests and GetConn/Acquire callers that joined the queue
	// WaitTime is the time spent in the queue by the waits that ended.
	WaitTime  time.Duration
	Timeouts  uint64 // waits that ended with ErrAcquireTimeout
	Cancelled uint64 // waits that ended because the caller's context ended
	// Refused counts the calls that failed at once with ErrTooManyWaiting
	// because Options.MaxWaiting callers were in the queue: they never
	// joined it (not in Waits), and refused requests are not in
	// Statements.
	Refused uint64
}

// ReadGroupCounts: see Stats.ReadGroups.
type ReadGroupCounts struct {
	Statements uint64
	Again      uint64
}

// counters are Stats' cumulative counters kept by the dispatcher, guarded
// by its mutex. The hot path touches none of them but the read groups',
// which change under the mutex the owner takes anyway: the others change
// only when a caller waits, gets a Conn, or a connection opens or breaks.
type counters struct {
	acquires, waits, timeouts, cancelled uint64
	waitTime                             time.Duration
	opens, openFailures, retried, lost   uint64
	movedLate                            uint64
	groups                               ReadGroupCounts
	refused                              uint64
	waitHist                             *histogram // Stats.Latency.Wait
}

// waited adds the time w spent in the queue, which it is leaving; d.mu is
// held.
func (c *counters) waited(w waiter) {
	waited := time.Since(w.since)
	c.waitTime += waited
	c.waitHist.observe(waited)
}

// CloseCounts counts the connections a pool closed, by cause. Connections
// closed by Pool.Close, or handed to database/sql's own callers, are not
// counted.
type CloseCounts struct {
	Lifetime    uint64 // older than MaxLifetime plus their jitter, closed once idle
	HealthCheck uint64 // failed the background ping of HealthCheckPeriod
	Shrink      uint64 // idle longer than ShrinkDelay, with AutoShrink
	// Broken: closed after an error: the network or the server broke the
	// connection, the ping of PingAfterIdle failed, or a Conn was put back
	// inside a transaction.
	Broken uint64
	// Reset: dialed before Pool.Reset, closed once done with, or when
	// the pool took it from database/sql after Reset (a caller of DB held
	// it through Reset). The idle connections of DB that Reset closed are
	// not counted: DB.MaxIdleClosed counts them.
	Reset uint64
}

// Stats returns a snapshot of the pool.
func (p *Pool) Stats() Stats {
	db := p.db.Stats()
	p.mu.Lock()
	dead, closed := p.dead, p.closed
	p.mu.Unlock()
	d := p.disp
	d.mu.Lock()
	s := Stats{
		Free:            len(d.idle) + d.checking,
		Pending:         d.dialing,
		Busy:            len(d.all) - len(d.idle) - d.checking - d.dialing,
		Waiting:         len(d.waiters),
		Statements:      d.statements,
		Pipelined:       d.pipelined,
		DeepestPipeline: d.deepest,
		MovedFromLate:   d.counts.movedLate,
		ReadGroups:      d.counts.groups,
		Closes: CloseCounts{
			Lifetime:    d.closes[closeLifetime],
			HealthCheck: d.closes[closeHealthCheck],
			Shrink:      d.closes[closeShrink],
			Broken:      d.closes[closeBroken],
			Reset:       d.closes[closeReset],
		},
		Queue: QueueCounts{
			Acquires:  d.counts.acquires,
			Waits:     d.counts.waits,
			WaitTime:  d.counts.waitTime,
			Timeouts:  d.counts.timeouts,
			Cancelled: d.counts.cancelled,
			Refused:   d.counts.refused,
		},
		Opens:        d.counts.opens,
		OpenFailures: d.counts.openFailures,
		Retried:      d.counts.retried,
		Lost:         d.counts.lost,
	}
	d.mu.Unlock()
	if p.connector != nil {
		s.Gate = p.connector.Stats()
	}
	s.Dead, s.Size, s.MaxSize, s.Closed, s.DB = dead, p.opts.Size, p.opts.MaxSize, closed, db
	s.SessionChanges = p.sessions.changes.Load()
	s.Latency = p.lat.snapshot()
	s.Total = s.Free + s.Busy + s.Dead + s.Pending
	if p.replicas != nil {
		s.Replicas, s.ReadsOnPrimary = p.replicas.stats()
	}
	return s
}

// String is Momoko's ConnectionContainer repr, with the session changes
// when there were any.
func (s Stats) String() string {
	state, changes := "", ""
	if s.Closed {
		state = " (closed)"
	}
	if s.SessionChanges > 0 {
		changes = fmt.Sprintf(", %d session changes", s.SessionChanges)
	}
	return fmt.Sprintf("<momoko.Pool%s: %d free, %d busy, %d dead, %d pending, %d waiting%s>",
		state, s.Free, s.Busy, s.Dead, s.Pending, s.Waiting, changes)
}
