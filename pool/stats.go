package pool

import (
	"database/sql"
	"fmt"
)

// Stats is a snapshot of the pool in Momoko's terms, next to database/sql's
// own statistics.
type Stats struct {
	Free    int // idle connections
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

	DB sql.DBStats
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
		Free:            len(d.idle),
		Pending:         d.dialing,
		Busy:            d.total - len(d.idle) - d.dialing,
		Waiting:         len(d.waiters),
		Statements:      d.statements,
		Pipelined:       d.pipelined,
		DeepestPipeline: d.deepest,
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
