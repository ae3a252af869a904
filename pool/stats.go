package pool

import (
	"database/sql"
	"fmt"
)

// Stats is a snapshot of the pool in Momoko's terms, next to database/sql's
// own statistics.
type Stats struct {
	Free    int // idle connections
	Busy    int // connections in use
	Dead    int // floor connections whose last dial failed; repaired every ReconnectInterval
	Pending int // connections being dialed now
	Waiting int // calls queued for a connection
	Total   int // Free + Busy + Dead + Pending, as Momoko counts
	Size    int // the floor
	MaxSize int // the stretch limit
	Closed  bool
	DB      sql.DBStats
}

// Stats returns a snapshot of the pool.
func (p *Pool) Stats() Stats {
	db := p.db.Stats()
	_, waiting := p.slots.counts()
	p.mu.Lock()
	dead, closed := p.dead, p.closed
	p.mu.Unlock()
	pending := 0
	if p.connector != nil {
		pending = p.connector.Stats().Dialing
	}
	s := Stats{
		Free:    db.Idle,
		Busy:    db.InUse,
		Dead:    dead,
		Pending: pending,
		Waiting: waiting,
		Size:    p.opts.Size,
		MaxSize: p.opts.MaxSize,
		Closed:  closed,
		DB:      db,
	}
	// database/sql counts a connection being dialed as in use.
	s.Busy = max(0, s.Busy-s.Pending)
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
