package pool

// The waiters: requests and callers of GetConn/Acquire that no connection
// could take, in FIFO order, and everything that puts them in line, takes
// them out (served, timed out, cancelled) and serves them. All under d.mu.

import (
	"context"
	"fmt"
	"time"
)

// limitWait fails r with ErrAcquireTimeout if it still waits after
// Options.AcquireTimeout; d.mu is held.
func (d *dispatcher) limitWait(r *request) {
	timeout := d.p.opts.AcquireTimeout
	if timeout <= 0 {
		return
	}
	r.waitTimer = time.AfterFunc(timeout, func() {
		d.mu.Lock()
		waiting := d.dropWaiter(r)
		if waiting {
			d.counts.timeouts++
		}
		d.mu.Unlock()
		if waiting {
			r.done(fmt.Errorf("%w after %v", ErrAcquireTimeout, timeout))
		}
	})
}

// waiter is a request, or a caller wanting a connection of its own,
// waiting for capacity.
type waiter struct {
	req   *request
	conn  *connWaiter
	since time.Time // when it joined the queue, for Stats.Queue.WaitTime
}

// connWaiter is a caller of GetConn or Acquire waiting for an owner.
type connWaiter struct {
	ch chan ownerOrErr // cap 1
	// fail: a failed dial is the caller's answer, even when it could wait
	// for a busy connection (Connect reports each failure).
	fail bool
}

type ownerOrErr struct {
	o   *owner
	err error
}

// serveWaiters gives o what waits, as far as o can take it; d.mu is held.
func (d *dispatcher) serveWaiters(o *owner) {
	for len(d.waiters) > 0 && !d.closed && !o.quit && !o.broken && !o.yielding && o.retireAs == closeNone && o.state == ownerShared {
		w := d.waiters[0]
		if w.conn != nil {
			if o.depth > 0 {
				return
			}
			d.popWaiter()
			d.removeShared(o)
			o.become(ownerPinned)
			w.conn.ch <- ownerOrErr{o: o}
			return
		}
		if o.depth > 0 && (!w.req.fast || w.req.Alone || o.slow > 0 || o.alone || o.cancelling.Load() || o.depth >= d.maxPipe) {
			return
		}
		d.popWaiter()
		if w.req.Cancelled.Load() {
			d.counts.cancelled++
			continue
		}
		d.assign(o, w.req)
	}
}

func (d *dispatcher) popWaiter() {
	if r := d.waiters[0].req; r != nil && r.waitTimer != nil {
		r.waitTimer.Stop()
	}
	d.counts.waited(d.waiters[0])
	d.waiters[0] = waiter{}
	d.waiters = d.waiters[1:]
}

// startForWaiters opens owners for waiters while below MaxSize; d.mu is
// held.
func (d *dispatcher) startForWaiters() {
	for len(d.waiters) > 0 && !d.closed && len(d.all) < d.max {
		w := d.waiters[0]
		if w.conn != nil {
			d.popWaiter()
			o := d.newOwner(ownerPinned, nil)
			o.waiter = w.conn
			continue
		}
		d.serveWaiters(d.newOwner(ownerShared, w.req.Ctx))
	}
}

// shed reports whether a call that would have to wait is refused, and
// counts it: Options.MaxWaiting callers wait already, beyond those the
// connections on their way will take. Only new arrivals ask; what goes
// back in line was admitted before. d.mu is held.
func (d *dispatcher) shed() bool {
	limit := d.p.opts.MaxWaiting
	if limit <= 0 || len(d.waiters) < limit {
		return false
	}
	if len(d.waiters) < limit+d.coming() {
		return false
	}
	d.counts.refused++
	return true
}

// coming counts the connections on their way to the line: those being
// dialed, and those closing, whose place a dial for the line takes (gone).
// Reset closes idle connections before their replacements exist: a pool
// that was idle must not refuse calls meanwhile. d.mu is held.
func (d *dispatcher) coming() int {
	n := d.dialing
	for _, o := range d.all {
		if o.quit {
			n++
		}
	}
	return n
}

// acquire takes an owner for the caller's exclusive use: an idle one, a
// new one below MaxSize, or the first to become idle. timedOut tells, once
// ctx ended, whether it was AcquireTimeout rather than the caller; again,
// that the caller was handed a connection already, which failed its ping:
// it is not refused for a full line.
func (d *dispatcher) acquire(ctx context.Context, timedOut func() bool, again bool) (*owner, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, ErrPoolClosed
	}
	cw := &connWaiter{ch: make(chan ownerOrErr, 1)}
	switch {
	case len(d.waiters) == 0 && len(d.idle) > 0:
		n := len(d.idle)
		o := d.idle[n-1]
		d.idle = d.idle[:n-1]
		o.become(ownerPinned)
		d.counts.acquires++
		d.mu.Unlock()
		return o, nil
	case len(d.waiters) == 0 && len(d.all) < d.max:
		d.newOwner(ownerPinned, ctx).waiter = cw
	case !again && d.shed():
		d.mu.Unlock()
		return nil, ErrTooManyWaiting
	default:
		d.enqueue(waiter{conn: cw}, false)
	}
	d.mu.Unlock()
	select {
	case got := <-cw.ch:
		if got.o != nil {
			d.mu.Lock()
			d.counts.acquires++
			d.mu.Unlock()
		}
		return got.o, got.err
	case <-ctx.Done():
	}
	d.mu.Lock()
	if d.removeWaiter(func(w waiter) bool { return w.conn == cw }) {
		if timedOut() {
			d.counts.timeouts++
		} else {
			d.counts.cancelled++
		}
		d.mu.Unlock()
		return nil, ctx.Err()
	}
	for _, o := range d.all {
		if o.waiter == cw {
			// Still dialing for this caller: the connection joins the pool
			// once dialed.
			o.waiter = nil
			o.become(ownerReleasing)
			d.mu.Unlock()
			return nil, ctx.Err()
		}
	}
	d.mu.Unlock()
	// Handed an owner (or an error) just as ctx ended: give it back.
	if got := <-cw.ch; got.o != nil {
		d.release(got.o)
	}
	return nil, ctx.Err()
}

// dropWaiter takes a request out of line, reporting whether it was
// there; d.mu is held.
func (d *dispatcher) dropWaiter(r *request) bool {
	if !d.removeWaiter(func(w waiter) bool { return w.req == r }) {
		return false
	}
	if r.waitTimer != nil {
		r.waitTimer.Stop()
	}
	return true
}

// removeWaiter takes the first waiter that matches out of line,
// counting its wait, and reports whether there was one; d.mu is held.
func (d *dispatcher) removeWaiter(match func(waiter) bool) bool {
	for i, w := range d.waiters {
		if match(w) {
			d.counts.waited(w)
			d.waiters = append(d.waiters[:i], d.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// enqueue puts w in the queue, at the front for a request that was in
// line already (its connection broke before writing it); d.mu is held.
func (d *dispatcher) enqueue(w waiter, front bool) {
	w.since = time.Now()
	d.counts.waits++
	if front {
		d.waiters = append([]waiter{w}, d.waiters...)
		return
	}
	d.waiters = append(d.waiters, w)
}

// close fails every waiter and stops every idle owner.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	if d.lateTimer != nil {
		d.lateTimer.Stop()
	}
	var failed []*request
	for _, w := range d.waiters {
		d.counts.waited(w)
		if w.conn != nil {
			w.conn.ch <- ownerOrErr{err: ErrPoolClosed}
		} else {
			failed = append(failed, w.req)
		}
	}
	d.waiters = nil
	d.idle = nil // each is in d.all too
	for _, o := range d.all {
		o.quit = true
		o.signal()
	}
	d.mu.Unlock()
	for _, r := range failed {
		r.done(ErrPoolClosed)
	}
}
