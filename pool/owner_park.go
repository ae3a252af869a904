package pool

import (
	"context"
	"time"

	"github.com/momoko-go/momoko/internal/engine"
)

// A parked owner: going idle when it has nothing to do, and checking its
// connection when it is taken from the idle list.

// check readies a connection that was parked: its types are brought up to
// date, and one idle for longer than PingAfterIdle is pinged, so that a
// connection the server closed meanwhile fails before anything is written.
func (o *owner) check(w *engine.Engine) error {
	p := o.d.p
	if p.connector == nil {
		return nil
	}
	// The first live caller's deadline bounds the check: a connection
	// caught in a network partition fails it, and is never used again.
	// The caller's cancellation does not: pgconn closes a connection
	// whose context ends during a call, and a caller giving up says
	// nothing of the connection (its future resolves at once anyway).
	deadline := time.Now().Add(checkTimeout)
	for _, r := range o.pending {
		if !r.Cancelled.Load() {
			if d, ok := r.Ctx.Deadline(); ok && d.Before(deadline) {
				deadline = d
			}
			break
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	conn := w.Conn()
	if err := p.connector.RefreshTypes(ctx, conn); err != nil && conn.PgConn().IsClosed() {
		return &engine.BrokenError{Err: err}
	}
	o.d.mu.Lock()
	idleFor := time.Since(o.lastUsed)
	o.d.mu.Unlock()
	if d := p.connector.PingAfterIdle(); d >= 0 && idleFor > d {
		if err := conn.PgConn().Ping(ctx); err != nil && conn.PgConn().IsClosed() {
			return &engine.BrokenError{Err: err}
		}
	}
	return nil
}

// checkTimeout bounds the checks of a parked connection: a connection
// that does not answer its type refresh and ping within it is as good as
// dead.
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
			o.parked = true
		}
	}
}
