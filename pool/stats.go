package pool

import (
	"database/sql"
	"fmt"
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

	// Closes counts the connections the pool closed, by cause, since it
	// was made.
	Closes CloseCounts

	DB sql.DBStats
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
		Busy:            d.total - len(d.idle) - d.checking - d.dialing,
		Waiting:         len(d.waiters),
		Statements:      d.statements,
		Pipelined:       d.pipelined,
		DeepestPipeline: d.deepest,
		Closes: CloseCounts{
			Lifetime:    d.closes[closeLifetime],
			HealthCheck: d.closes[closeHealthCheck],
			Shrink:      d.closes[closeShrink],
			Broken:      d.closes[closeBroken],
		},
	}
	d.mu.Unlock()
	s.Dead, s.Size, s.MaxSize, s.Closed, s.DB = dead, p.opts.Size, p.opts.MaxSize, closed, db
	s.Total = s.Free + s.Busy + s.Dead + s.Pending
	return s
}

// String is Momoko's ConnectionContainer repr.
func (s Stats) String() string {
	state := ""
	if s.Closed {
		state = " (closed)"
	}
	return fmt.Sprintf("<momoko.Pool%s: %d free, %d busy, %d dead, %d pending, %d waiting>",
		state, s.Free, s.Busy, s.Dead, s.Pending, s.Waiting)
}
