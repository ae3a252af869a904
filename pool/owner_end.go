package pool

import (
	sqldriver "database/sql/driver"
	"errors"
)

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
		case !r.Shared:
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
// pool are busy only sends them back in line, anything else fails them,
// and the callers still in line get dials of their own: while the server
// is down those fail at once, so that nobody waits in line for a
// connection that cannot come.
func (o *owner) dialFailed(err error) {
	d := o.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.removeShared(o)
	d.removeAll(o)
	o.broken = true
	waitForBusy := d.p.mayWaitForBusy(err, len(d.all))
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
		if waitForBusy && r.Shared && !d.closed {
			d.enqueue(waiter{req: r}, true)
			continue
		}
		go r.done(err)
	}
	if !waitForBusy {
		d.startForWaiters()
	}
}

// redispatch gives a request that was never written to another owner;
// d.mu is held. A connection that died while idle in the pool costs no
// attempt: each such one is gone once found, so a request walks past the
// dead idle connections (a restart or a proxy dropped them all) to a new
// one instead of failing while the server is up. MaxSize bounds that walk.
func (d *dispatcher) redispatch(r *request, cause error) {
	if idleDeath(cause) {
		r.idleDeaths++
	} else {
		r.attempts++
	}
	if r.attempts >= sendAttempts || r.idleDeaths > d.max || r.Cancelled.Load() {
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

// deadBeforeWrite: the connection was found dead before anything of what
// it was given was written (its peer closed it while idle, its check
// failed, the kernel refused the write): none of it reached a server.
type deadBeforeWrite struct {
	err    error
	parked bool // it had been idle in the pool, not freshly dialed
}

func (e *deadBeforeWrite) Error() string { return e.err.Error() }
func (e *deadBeforeWrite) Unwrap() error { return e.err }

// idleDeath reports whether cause is a connection found dead after it had
// been idle in the pool.
func idleDeath(cause error) bool {
	var dead *deadBeforeWrite
	return errors.As(cause, &dead) && dead.parked
}

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
