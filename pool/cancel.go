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

// onCancel runs when r's context ends; d.mu is held.
func (d *dispatcher) onCancel(r *request) {
	o := r.owner
	if o == nil {
		if d.dropWaiter(r) {
			d.counts.cancelled++
		}
		return
	}
	if r.finished {
		return
	}
	r.counted = true
	o.cancelled++
	switch {
	case !r.written:
		o.signal() // the owner drops it when it can
		if !o.wanted() {
			// Behind a Prepare, or statements no longer wanted: if those
			// do not come back, the connection is caught in a partition.
			o.watchProgress(r)
		}
	case !o.wanted():
		o.startCancel(r)
	}
}

// wanted reports whether any request given to o, in flight or waiting to
// be written, is still wanted by its caller; d.mu is held. While one is,
// no CancelRequest goes out (it could land on that request's statement or
// on a Prepare written for it), and a slow connection is not given up.
func (o *owner) wanted() bool { return o.depth > o.cancelled }

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
// and nothing in flight is wanted any more; d.mu is held. A nil r: what o
// was given moved away (late.go) and it waits for what nobody wants.
func (o *owner) watchProgress(r *request) {
	if o.conn == nil {
		return
	}
	reads := o.reads.Load()
	pg := o.conn
	time.AfterFunc(cancelGrace, func() {
		o.d.mu.Lock()
		defer o.d.mu.Unlock()
		if r == nil {
			o.guarded = false
		}
		if (r == nil || !r.finished) && !o.broken && o.waiting() && o.reads.Load() == reads && !o.wanted() {
			// The owner's read fails: the connection is given up. Under
			// d.mu, so that nothing wanted is written meanwhile.
			pg.Conn().SetDeadline(time.Now())
		}
	})
}
