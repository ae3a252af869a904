package pool

import (
	"context"
	"time"
)

// Cancellation stays with its caller. A request whose context ends is
// resolved with the context's error at once. If it was not written yet it
// is dropped; if it was, its result is discarded when it arrives, and only
// when it is alone in flight on its connection does the server get a
// CancelRequest: a cancel reaches whatever the connection runs when it
// lands, so the owner writes nothing more until it has landed.

// cancelTimeout bounds sending a CancelRequest.
const cancelTimeout = 5 * time.Second

// cancelGrace is how long a cancelled statement may take to end after its
// CancelRequest before its connection is closed (a connection nobody
// answers on, such as one behind a network partition).
const cancelGrace = time.Second

// onCancel runs when r's context ends.
func (d *dispatcher) onCancel(r *request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := r.owner
	if o == nil {
		d.dropWaiter(r)
		return
	}
	if !r.written {
		o.signal() // the owner drops it
		return
	}
	if len(o.flight) == 1 && o.flight[0] == r {
		o.startCancel(r)
	}
}

// dropWaiter takes a request out of line, reporting whether it was
// there; d.mu is held.
func (d *dispatcher) dropWaiter(r *request) bool {
	for i, w := range d.waiters {
		if w.req == r {
			d.waiters = append(d.waiters[:i], d.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// startCancel sends a CancelRequest for r, alone in flight on o; d.mu is
// held.
func (o *owner) startCancel(r *request) {
	if o.cancelling.Load() || o.broken || o.conn == nil {
		return
	}
	o.cancelling.Store(true)
	done := make(chan struct{})
	o.cancelDone = done
	finished := make(chan struct{})
	r.cancelDone = finished
	pg := o.conn
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
		pg.CancelRequest(ctx)
		cancel()
		grace := time.NewTimer(cancelGrace)
		defer grace.Stop()
		select {
		case <-finished:
		case <-grace.C:
			pg.Conn().SetDeadline(time.Now()) // the owner's read fails: the connection is given up
		}
	}()
}
