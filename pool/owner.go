package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/internal/engine"
)

// owner is the goroutine that owns one connection: it dials it through
// database/sql, writes the requests given to it in order, pipelining them
// when it may, and reads their results. Nothing else touches the
// connection while it lives.
type owner struct {
	d  *dispatcher
	id uint64

	// Guarded by d.mu.
	state      ownerState
	queue      []*request // given to it, not yet taken up
	depth      int        // requests given and not finished
	slow       int        // of those, the ones not known to be fast
	cancelled  int        // of those, the ones whose caller's context ended
	alone      bool       // a request that must be alone is among them
	quit       bool       // stop once nothing is in flight: shrink or Close
	giveBack   bool       // with quit: hand the connection to database/sql's callers rather than close it
	yielding   bool       // takes no more work, then gives its connection back
	lastUsed   time.Time
	flight     []*request // written, oldest first
	waiter     *connWaiter
	cancelDone chan struct{} // closed once a CancelRequest sent for it is over
	txStatus   byte          // after the last request, for a pinned owner
	broken     bool          // its connection is gone
	pin        *Conn
	conn       *pgconn.PgConn // set while it serves a pgx connection
	born       time.Time      // when its connection was dialed
	pid        uint32         // its server process, for the log; 0 if unknown
	lifetime   *time.Timer    // dooms it when its lifetime is over
	retireAs   closeCause     // set by doom (lifetime, Reset): it takes no new work and is retired with this cause once idle
	retired    closeCause     // why the pool chose to close it
	checked    time.Time      // when the health check last found it alive
	checkDone  chan struct{}  // closed when the health check in progress is over

	wake       chan struct{} // cap 1: there is something to look at
	cancelling atomic.Bool   // no writes until the CancelRequest is over
	readSince  atomic.Int64  // since when it waits for the server, in Unix nanoseconds; 0: it does not
	usualWait  atomic.Int64  // how long a wait for a result usually lasts here, in nanoseconds (late.go)
	onPrepare  string        // the SQL of the Prepare it waits for first, if it does (late.go)
	guarded    bool          // watched for progress after its requests moved away (late.go)
	movingFrom bool          // late: what was queued on it is moving away (late.go)
	reads      atomic.Uint64 // reads done, for a cancelled request to see progress

	// The owner goroutine's own.
	pending       []*request // taken up, not written yet, in order
	requeued      int        // pending[:requeued] came back from read groups since pending was last emptied
	aloneInFlight bool
	resume        bool                            // taken from the idle list: check the connection first
	parked        bool                            // it has been idle in the pool: a reused connection, not a fresh dial
	probe         func(ctx context.Context) error // pings the connection, for the health check
	dc            any                             // the driver's connection, for WithConn and BeginFunc
	caller        context.Context                 // whose call made it dial, until it has dialed; nil if none
	waits         [16]time.Duration               // recent waits that blocked (learnWait)
	waitsSeen     int
}

// signal wakes the owner goroutine if it is parked.
func (o *owner) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// errNotPgx: the connection's driver is not pgx; the owner serves it
// through database/sql instead.
var errNotPgx = errors.New("momoko: not a pgx connection")

func (o *owner) run() {
	p := o.d.p
	defer p.owners.Done()
	sc, asked, err := o.openConn(o.dialContext())
	o.caller = nil
	o.d.mu.Lock()
	o.d.dialing--
	if err != nil {
		o.d.counts.openFailures++
	} else {
		o.d.counts.opens++
	}
	o.d.mu.Unlock()
	if err != nil {
		o.dialFailed(p.connError(err))
		return
	}
	var lost error
	err = sc.Raw(func(dc any) error {
		o.dc = dc
		dc = unwrapConn(dc)
		born, dialed := bornOf(dc)
		if dialed && born.After(asked) {
			// Dialed for this owner, not one database/sql's callers had.
			p.lat.create.observe(born.Sub(asked))
		}
		o.startLifetime(born)
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return errNotPgx
		}
		w := o.newEngine(pc.Conn())
		o.d.mu.Lock()
		o.conn = w.Conn().PgConn()
		o.pid = o.conn.PID()
		o.d.mu.Unlock()
		lost = o.serve(w)
		o.awaitCancel()
		if lost != nil || o.closes() {
			return sqldriver.ErrBadConn // database/sql closes it
		}
		if lost = w.HandBack(); lost != nil {
			return sqldriver.ErrBadConn
		}
		return nil
	})
	if errors.Is(err, errNotPgx) {
		lost = o.serveSQL(sc)
		if lost != nil || o.closes() {
			discard(sc)
		}
	}
	sc.Close()
	o.gone(lost)
}

// bornOf is when the connection dc was dialed: the momoko driver knows
// (known), also for a connection database/sql's own callers used first;
// for other drivers it is taken to be now.
func bornOf(dc any) (born time.Time, known bool) {
	if c, ok := dc.(interface{ CreatedAt() time.Time }); ok {
		return c.CreatedAt(), true
	}
	return time.Now(), false
}

// awaitCancel waits for a CancelRequest in progress: it uses the
// connection's address and keys.
func (o *owner) awaitCancel() {
	o.d.mu.Lock()
	done := o.cancelDone
	o.conn = nil
	o.d.mu.Unlock()
	if done != nil {
		<-done
	}
}

// closes reports whether the connection should be closed rather than go
// back to database/sql: the pool shrank or closed.
func (o *owner) closes() bool {
	o.d.mu.Lock()
	defer o.d.mu.Unlock()
	return o.quit && !o.giveBack
}

// handOver gives a freshly dialed owner to the caller of GetConn that
// asked for it.
func (o *owner) handOver() {
	o.d.mu.Lock()
	w := o.waiter
	o.waiter = nil
	o.d.mu.Unlock()
	if w != nil {
		w.ch <- ownerOrErr{o: o}
	}
}

// serve runs the owner's loop on a pgx connection until the owner quits
// (nil) or the connection breaks (the error).
func (o *owner) serve(w *engine.Engine) error {
	o.probe = w.Conn().PgConn().Ping
	o.handOver()

	for {
		if !o.collect(w.InFlight()) {
			return nil
		}
		if o.resume {
			o.resume = false
			if err := o.check(w); err != nil {
				return &deadBeforeWrite{err: err, parked: true}
			}
		}
		if !w.InFlight() && len(o.pending) > 0 {
			if err := w.PeerGone(); err != nil {
				return &deadBeforeWrite{err: err, parked: o.parked}
			}
		}
		// Results already received are read before anything new is
		// written: what queued meanwhile then goes out in one write, and
		// whatever ReadNext reads was sent (it would otherwise wait for
		// answers to what is still in the client's buffer).
		if !w.ResultsBuffered() {
			if err := o.writeReady(w); err != nil {
				return o.lose(w, err)
			}
			if err := w.Flush(); err != nil {
				return o.lose(w, err)
			}
		}
		if !w.InFlight() {
			continue
		}
		waitFrom := time.Now()
		if len(o.pending) > 0 && !w.HandingBack() {
			// Not while members come back to be written again: they stay
			// in order, ahead of what came after them.
			o.unpend(w.PreparingFirst(), waitFrom)
		}
		blocks := !w.ResultsBuffered()
		o.readSince.Store(waitFrom.UnixNano())
		b, err := w.ReadNext()
		o.readSince.Store(0)
		o.reads.Add(1)
		if b != nil && blocks {
			o.learnWait(time.Since(waitFrom))
		}
		if err != nil {
			return o.lose(w, err)
		}
		if b != nil && b.Skipped {
			o.rewrite(requestOf(b))
			continue
		}
		if b != nil && o.finish(requestOf(b), w.TxStatus(), w.InFlight()) {
			return o.lose(w, ErrTransactionLeftOpen)
		}
	}
}

// discard closes the connection underneath c at once; database/sql drops
// it when c is released.
func discard(c *sql.Conn) {
	c.Raw(func(any) error { return sqldriver.ErrBadConn })
}
