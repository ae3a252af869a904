package pool

import (
	"context"
	"time"
)

// Cancellation stays with its caller. A request whose context ends is
// resolved with the context's error at once. If it was not written yet it
// is dropped; if it was, its result is discarded when it arrives. The
// server gets a CancelRequest only when nothing else in flight on the
// connection is still wanted: a cancel reaches whatever the connection
// runs when it lands, so the owner writes nothing more until it has
// landed.

// cancelTimeout bounds sending a CancelRequest.
const cancelTimeout = 2 * time.Second

// cancelGrace is how long a connection may go without finishing anything
// after one of its statements was cancelled before it is closed: a
// connection nobody answers on, such as one behind a network partition,
// is never handed out again.
const cancelGrace = time.Second

// onCancel runs when r's context ends.
func (d *dispatcher) onCancel(r *request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := r.owner
	switch {
	case o == nil:
		if d.dropWaiter(r) {
			d.counts.cancelled++
		}
	case r.finished:
	case !r.written:
		o.signal() // the owner drops it when it can
		if o.state == ownerShared && !o.liveInFlight() {
			// Behind a Prepare, or statements no longer wanted: if those
			// do not come back, the connection is caught in a partition.
			o.watchProgress(r)
		}
	case !o.liveInFlight():
		o.startCancel(r)
	}
}

// liveInFlight reports whether a request in flight on o is still wanted
// by its caller; d.mu is held.
func (o *owner) liveInFlight() bool {
	for _, r := range o.flight {
		if !r.cancel.Load() {
			return true
		}
	}
	return false
}

// dropWaiter takes a request out of line, reporting whether it was
// there; d.mu is held.
func (d *dispatcher) dropWaiter(r *request) bool {
	for i, w := range d.waiters {
		if w.req == r {
			d.counts.waited(w)
			d.waiters = append(d.waiters[:i], d.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// startCancel sends a CancelRequest for r, in flight on o with nothing
// else that is still wanted, and closes the connection if r has not
// finished after cancelGrace; d.mu is held.
func (o *owner) startCancel(r *request) {
	if o.cancelling.Load() || o.broken || o.conn == nil {
		return
	}
	o.cancelling.Store(true)
	done := make(chan struct{})
	o.cancelDone = done
	pg := o.conn
	o.watchProgress(r)
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
		defer cancel()
		pg.CancelRequest(ctx)
	}()
}

// watchProgress closes o's connection if, cancelGrace after r was
// cancelled, r has not finished, o is still waiting in the read it was in,
// and nothing in flight is wanted any more; d.mu is held.
func (o *owner) watchProgress(r *request) {
	if o.conn == nil {
		return
	}
	reads := o.reads.Load()
	pg := o.conn
	time.AfterFunc(cancelGrace, func() {
		o.d.mu.Lock()
		stuck := !r.finished && !o.broken && o.reading.Load() && o.reads.Load() == reads && !o.liveInFlight()
		o.d.mu.Unlock()
		if stuck {
			pg.Conn().SetDeadline(time.Now()) // the owner's read fails: the connection is given up
		}
	})
}
