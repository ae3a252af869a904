package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
)

type ownerState uint8

const (
	ownerShared    ownerState = iota // serving the pool's requests
	ownerIdle                        // in the idle list, parked
	ownerPinned                      // a Conn's, from GetConn or Acquire
	ownerReleasing                   // its Conn was put back; finishing the Conn's work
	ownerChecking                    // taken from the idle list by the health check
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
	lifetime   *time.Timer    // marks it expired
	expired    bool           // older than its lifetime: takes no new work, retired once idle
	retired    closeCause     // why the pool chose to close it
	checked    time.Time      // when the health check last found it alive
	checkDone  chan struct{}  // closed when the health check in progress is over

	wake       chan struct{} // cap 1: there is something to look at
	cancelling atomic.Bool   // no writes until the CancelRequest is over
	reading    atomic.Bool   // waiting for the server
	reads      atomic.Uint64 // reads done, for a cancelled request to see progress

	// The owner goroutine's own.
	pending       []*request // taken up, not written yet, in order
	aloneInFlight bool
	resume        bool                            // taken from the idle list: check the connection first
	probe         func(ctx context.Context) error // pings the connection, for the health check
	dc            any                             // the driver's connection, for WithConn and BeginFunc
	caller        context.Context                 // whose call made it dial, until it has dialed; nil if none
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
	sc, err := p.db.Conn(o.dialContext())
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
		o.startLifetime(bornOf(dc))
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return errNotPgx
		}
		w := newPipeline(p, pc.Conn(), o.id)
		o.d.mu.Lock()
		o.conn = w.pg
		o.pid = w.pg.PID()
		o.d.mu.Unlock()
		lost = o.serve(w)
		o.awaitCancel()
		if lost != nil || o.closes() {
			return sqldriver.ErrBadConn // database/sql closes it
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

// bornOf is when the connection dc was dialed: the momoko driver knows,
// also for a connection database/sql's own callers used first; for other
// drivers it is taken to be now.
func bornOf(dc any) time.Time {
	if c, ok := dc.(interface{ CreatedAt() time.Time }); ok {
		return c.CreatedAt()
	}
	return time.Now()
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
func (o *owner) serve(w *pipeline) error {
	o.probe = w.pg.Ping
	o.handOver()
	for {
		if !o.collect(w.inFlight()) {
			return nil
		}
		if o.resume {
			o.resume = false
			if err := o.check(w); err != nil {
				return err
			}
		}
		if err := o.writeReady(w); err != nil {
			return o.lose(w, err)
		}
		// Results already received are read before anything new is
		// written, so that what queued meanwhile goes out in one write.
		if !w.resultsBuffered() {
			if err := w.flush(); err != nil {
				return o.lose(w, err)
			}
		}
		if !w.inFlight() {
			continue
		}
		o.reading.Store(true)
		r, err := w.readNext()
		o.reading.Store(false)
		o.reads.Add(1)
		if err != nil {
			return o.lose(w, err)
		}
		if r != nil && o.finish(r, w.txStatus()) {
			return o.lose(w, ErrTransactionLeftOpen)
		}
	}
}

// check readies a connection that was parked: its types are brought up to
// date, and one idle for longer than PingAfterIdle is pinged, so that a
// connection the server closed meanwhile fails before anything is written.
func (o *owner) check(w *pipeline) error {
	p := o.d.p
	if p.connector == nil {
		return nil
	}
	// The first live caller's deadline bounds the check: a connection
	// caught in a network partition fails it, and is never used again.
	ctx := context.Background()
	for _, r := range o.pending {
		if !r.cancel.Load() {
			ctx = r.ctx
			break
		}
	}
	if err := p.connector.RefreshTypes(ctx, w.conn); err != nil && w.pg.IsClosed() {
		return &errBroken{err}
	}
	o.d.mu.Lock()
	idleFor := time.Since(o.lastUsed)
	o.d.mu.Unlock()
	if d := p.connector.PingAfterIdle(); d >= 0 && idleFor > d {
		ctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		// A context that had ended before the ping says nothing of the
		// connection; one that ended during it closed the connection.
		if err := w.pg.Ping(ctx); err != nil && w.pg.IsClosed() {
			return &errBroken{err}
		}
	}
	return nil
}

// checkTimeout bounds the checks of a parked connection: a connection
// that does not answer a ping within it is as good as dead.
const checkTimeout = 5 * time.Second

// collect takes up what was given to the owner. With nothing to do and
// nothing in flight it parks, first going idle when it serves the pool.
// It reports false when the owner must stop.
func (o *owner) collect(inFlight bool) bool {
	d := o.d
	d.mu.Lock()
	for {
		if len(o.queue) > 0 {
			o.pending = append(o.pending, o.queue...)
			clear(o.queue)
			o.queue = o.queue[:0]
		}
		if len(o.pending) > 0 || inFlight {
			d.mu.Unlock()
			return true
		}
		if o.quit {
			d.mu.Unlock()
			return false
		}
		d.settleReleased(o)
		d.idleIfDone(o)
		if len(o.queue) > 0 || o.quit {
			continue
		}
		idle := o.state == ownerIdle || o.state == ownerChecking
		d.mu.Unlock()
		<-o.wake
		d.mu.Lock()
		if o.state == ownerChecking {
			d.mu.Unlock()
			err := o.healthPing()
			d.mu.Lock()
			d.checked(o, err)
		}
		if idle && o.state != ownerIdle && o.state != ownerChecking {
			o.resume = true // taken from the idle list: check the connection first
		}
	}
}

// writeReady writes the pending requests that may be written now.
func (o *owner) writeReady(w *pipeline) error {
	if o.cancelling.Load() {
		if w.inFlight() {
			return nil
		}
		o.d.mu.Lock()
		done := o.cancelDone
		o.d.mu.Unlock()
		<-done
		o.d.mu.Lock()
		o.cancelDone = nil
		o.cancelling.Store(false)
		o.d.mu.Unlock()
	}
	now := time.Time{}
	wrote := false
	next := 0 // o.pending[:next] are done with
	defer func() {
		o.pending = append(o.pending[:0], o.pending[next:]...)
		clear(o.pending[len(o.pending):cap(o.pending)])
	}()
	for next < len(o.pending) && !o.aloneInFlight {
		r := o.pending[next]
		if r.cancel.Load() {
			next++
			o.settle(r, r.ctx.Err())
			continue
		}
		exclusive := r.raw != nil || r.direct
		if (exclusive || r.alone) && (w.inFlight() || wrote) {
			break
		}
		if exclusive {
			if !o.enterFlight(r) {
				break
			}
			next++
			if err := o.runAlone(w, r); err != nil {
				return err
			}
			continue
		}
		ready, err := w.prepareFor(r)
		if err != nil {
			next++
			o.settle(r, err)
			continue
		}
		// Registered in flight before it is written, so that a cancel
		// decided from now on counts it as wanted.
		if !ready || !o.enterFlight(r) {
			break
		}
		next++
		if err := w.write(r); err != nil {
			o.leaveFlight(r)
			o.settle(r, err)
			continue
		}
		if now.IsZero() {
			now = time.Now()
		}
		r.started = now
		wrote = true
		if r.alone || r.begin != "" {
			// A failed transaction holds the connection in its aborted
			// block until it is rolled back: nothing may follow it.
			o.aloneInFlight = true
		}
	}
	return nil
}

// enterFlight records r as in flight, unless a CancelRequest is under way
// on o: nothing is written until it has landed.
func (o *owner) enterFlight(r *request) bool {
	o.d.mu.Lock()
	defer o.d.mu.Unlock()
	if o.cancelling.Load() {
		return false
	}
	r.written = true
	o.flight = append(o.flight, r)
	return true
}

// leaveFlight takes back a request that could not be encoded.
func (o *owner) leaveFlight(r *request) {
	o.d.mu.Lock()
	defer o.d.mu.Unlock()
	r.written = false
	if i := slices.Index(o.flight, r); i >= 0 {
		o.flight = slices.Delete(o.flight, i, i+1)
	}
}

// runAlone runs a request pgx must run itself (a function on the
// connection, or a statement in a mode that does not pipeline), with
// nothing else in flight.
func (o *owner) runAlone(w *pipeline, r *request) error {
	if r.raw != nil {
		r.err = runRaw(r, w.conn)
	} else {
		r.err = runDirect(r, w.conn, &o.d.p.decode)
	}
	if w.pg.IsClosed() {
		return o.lose(w, fmt.Errorf("momoko: the connection closed: %w", r.err))
	}
	if o.finish(r, w.pg.TxStatus()) {
		return o.lose(w, ErrTransactionLeftOpen)
	}
	return nil
}

// finish resolves a request whose results are all read. It reports true
// when the connection must be closed: a request through the pool left it
// inside a transaction (a BEGIN run on the pool); closing it rolls back.
func (o *owner) finish(r *request, txStatus byte) (closeConn bool) {
	if r.alone || r.begin != "" {
		o.aloneInFlight = false
	}
	if r.shared && txStatus != 'I' {
		closeConn = true
		if r.err == nil {
			r.err = ErrTransactionLeftOpen
		}
	}
	d := o.d
	d.mu.Lock()
	o.account(r)
	if len(o.flight) > 0 && o.flight[0] == r {
		n := copy(o.flight, o.flight[1:])
		o.flight[n] = nil
		o.flight = o.flight[:n]
	}
	o.txStatus = txStatus
	if len(o.flight) > 0 && !o.wanted() {
		o.startCancel(o.flight[0])
	}
	if !closeConn {
		d.idleIfDone(o)
		d.serveWaiters(o)
	}
	d.mu.Unlock()
	r.done(r.err)
	return closeConn
}

// settle resolves a request that was never written.
func (o *owner) settle(r *request, err error) {
	o.d.mu.Lock()
	o.account(r)
	o.d.idleIfDone(o)
	o.d.mu.Unlock()
	r.done(err)
}

// account removes a finished request from o's load; d.mu is held.
func (o *owner) account(r *request) {
	o.depth--
	if !r.fast {
		o.slow--
	}
	if r.alone {
		o.alone = false
	}
	if r.counted {
		o.cancelled--
		r.counted = false
	}
	r.finished = true
}

// lose ends the owner's connection after err broke it. Requests in
// flight may have run: they fail with driver.ErrConnectionLost. Those not
// written yet go to other connections when gone runs.
func (o *owner) lose(w *pipeline, err error) error {
	var broken *errBroken
	if errors.As(err, &broken) {
		err = broken.err
	}
	lost := fmt.Errorf("%w: %w", driver.ErrConnectionLost, err)
	o.d.mu.Lock()
	flight := o.flight
	o.flight = nil
	o.broken = true
	for _, r := range flight {
		o.account(r)
		if !r.cancel.Load() {
			o.d.counts.lost++
		}
	}
	o.d.mu.Unlock()
	for _, r := range flight {
		r.done(lost)
	}
	w.sent, w.head, w.flushed = nil, 0, 0
	return lost
}

// gone removes the owner once its connection is given back or closed.
// What it had not written goes to other owners (or fails after
// sendAttempts); a GetConn caller still waiting for it gets the error.
func (o *owner) gone(cause error) {
	d := o.d
	d.mu.Lock()
	closed := o.retired
	if closed == closeNone && cause != nil {
		closed = closeBroken
	}
	defer func() {
		d.mu.Unlock()
		d.p.logClose(closed, o.born, o.pid)
	}()
	if closed != closeNone {
		d.closes[closed]++
	}
	if o.lifetime != nil {
		o.lifetime.Stop()
	}
	d.total--
	d.removeShared(o)
	d.removeIdle(o)
	d.removeAll(o)
	o.broken = true
	unsent := append(o.pending, o.queue...)
	o.pending, o.queue = nil, nil
	if cause == nil {
		cause = ErrPoolClosed
	}
	for _, r := range unsent {
		o.account(r)
		switch {
		case d.closed:
			go r.done(ErrPoolClosed)
		case !r.shared:
			// A Conn's statements belong to its session: they never go to
			// another connection, even once the Conn was put back.
			go r.done(&unsentError{cause: cause, conn: true})
		default:
			d.redispatch(r, cause)
		}
	}
	if w := o.waiter; w != nil {
		o.waiter = nil
		w.ch <- ownerOrErr{err: cause}
	}
	d.replaceRetired(o)
	d.startForWaiters()
}

// dialFailed reports a failed dial to what was given to the owner: a
// refusal for lack of connection slots while other connections of the
// pool are busy only sends them back in line, anything else fails them.
func (o *owner) dialFailed(err error) {
	d := o.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total--
	d.removeShared(o)
	d.removeAll(o)
	o.broken = true
	waitForBusy := d.p.mayWaitForBusy(err, d.total)
	if w := o.waiter; w != nil {
		o.waiter = nil
		if waitForBusy && !w.fail && !d.closed {
			d.enqueue(waiter{conn: w}, true)
		} else {
			w.ch <- ownerOrErr{err: err}
		}
	}
	queued := o.queue
	o.queue = nil
	for i := len(queued) - 1; i >= 0; i-- {
		r := queued[i]
		o.account(r)
		if waitForBusy && r.shared && !d.closed {
			d.enqueue(waiter{req: r}, true)
			continue
		}
		go r.done(err)
	}
}

// redispatch gives a request that was never written to another owner;
// d.mu is held.
func (d *dispatcher) redispatch(r *request, cause error) {
	r.attempts++
	if r.attempts >= sendAttempts || r.cancel.Load() {
		go r.done(&unsentError{cause: cause})
		return
	}
	d.counts.retried++
	if o := d.choose(r); o != nil && len(d.waiters) == 0 {
		d.assign(o, r)
		return
	}
	d.enqueue(waiter{req: r}, true)
}

// sendAttempts bounds how often a request that provably never reached the
// server is given to another connection.
const sendAttempts = 3

// unsentError is the error of a request whose connection broke before
// writing it: it never ran, so it is driver.ErrBadConn in database/sql's
// terms (driver.Classify: safe to retry), whatever broke the connection.
type unsentError struct {
	cause error
	conn  bool // a Conn's, which cannot go to another connection
}

func (e *unsentError) Error() string {
	return "momoko: the statement was never sent, its connection broke first: " + e.cause.Error()
}

func (e *unsentError) Unwrap() []error {
	if e.conn {
		return []error{ErrConnClosed, sqldriver.ErrBadConn}
	}
	return []error{sqldriver.ErrBadConn}
}

// discard closes the connection underneath c at once; database/sql drops
// it when c is released.
func discard(c *sql.Conn) {
	c.Raw(func(any) error { return sqldriver.ErrBadConn })
}
