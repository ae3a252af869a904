package pool

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/internal/engine"
)

// writeReady writes the pending requests that may be written now.
func (o *owner) writeReady(w *engine.Engine) error {
	if o.cancelling.Load() {
		if w.InFlight() {
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
	o.requeued = 0
	next := 0 // o.pending[:next] are done with
	defer func() {
		o.pending = append(o.pending[:0], o.pending[next:]...)
		clear(o.pending[len(o.pending):cap(o.pending)])
	}()
	for next < len(o.pending) && !o.aloneInFlight {
		r := o.pending[next]
		if r.Cancelled.Load() {
			next++
			o.settle(r, r.Ctx.Err(), w.InFlight())
			continue
		}
		exclusive := r.raw != nil || r.direct
		if (exclusive || r.Alone) && (w.InFlight() || wrote) {
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
		ready, err := w.PrepareFor(&r.Batch)
		if err != nil {
			next++
			o.settle(r, err, w.InFlight())
			continue
		}
		// Registered in flight before it is written, so that a cancel
		// decided from now on counts it as wanted.
		if !ready || !o.enterFlight(r) {
			break
		}
		if err := w.Write(&r.Batch); err != nil {
			o.leaveFlight(r)
			if !errors.Is(err, engine.ErrPrepareAgain) {
				next++
				o.settle(r, err, w.InFlight())
			}
			continue
		}
		next++
		if now.IsZero() {
			now = time.Now()
		}
		r.Started = now
		wrote = true
		if r.Alone || r.Begin != "" {
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
	r.Caller = r
	o.flight = append(o.flight, r)
	return true
}

// rewrite takes back a request whose read group's run of it does not
// stand (engine.Batch.Skipped): it is written again, ahead of what was
// given to o after it.
func (o *owner) rewrite(r *request) {
	o.d.mu.Lock()
	if !r.Cancelled.Load() {
		o.d.counts.groups.Again++
	}
	o.takeBack(r)
	o.d.mu.Unlock()
	o.pending = slices.Insert(o.pending, o.requeued, r)
	o.requeued++
}

// leaveFlight takes back a request that could not be encoded.
func (o *owner) leaveFlight(r *request) {
	o.d.mu.Lock()
	o.takeBack(r)
	o.d.mu.Unlock()
}

// takeBack marks r, written, as not written after all; d.mu is held.
func (o *owner) takeBack(r *request) {
	r.written = false
	if i := slices.Index(o.flight, r); i >= 0 {
		o.flight = slices.Delete(o.flight, i, i+1)
	}
}

// runAlone runs a request pgx must run itself (a function on the
// connection, or a statement in a mode that does not pipeline), with
// nothing else in flight.
func (o *owner) runAlone(w *engine.Engine, r *request) error {
	if r.raw != nil {
		r.Err = w.RunRaw(r.raw)
	} else {
		r.Err = w.RunDirect(&r.Batch)
	}
	if w.Conn().PgConn().IsClosed() {
		return o.lose(w, fmt.Errorf("momoko: the connection closed: %w", r.Err))
	}
	if o.finish(r, w.TxStatus(), false) {
		return o.lose(w, ErrTransactionLeftOpen)
	}
	return nil
}

// finish resolves a request whose results are all read. It reports true
// when the connection must be closed: a request through the pool left it
// inside a transaction (a BEGIN run on the pool); closing it rolls back.
// busy: the engine still waits for the server (another request, or a
// Prepare of one that was dropped), so the owner must not go idle yet.
func (o *owner) finish(r *request, txStatus byte, busy bool) (closeConn bool) {
	if r.Alone || r.Begin != "" {
		o.aloneInFlight = false
	}
	if r.Shared && txStatus != 'I' {
		closeConn = true
		if r.Err == nil {
			r.Err = ErrTransactionLeftOpen
		}
	}
	d := o.d
	d.mu.Lock()
	o.account(r)
	if r.Grouped {
		d.counts.groups.Statements++
	}
	// Not always the oldest: the engine may run a statement again
	// behind others (runAgain).
	if i := slices.Index(o.flight, r); i >= 0 {
		o.flight = slices.Delete(o.flight, i, i+1)
	}
	o.txStatus = txStatus
	if len(o.flight) > 0 && !o.wanted() {
		o.startCancel(o.flight[0])
	}
	if !closeConn {
		if !busy {
			d.idleIfDone(o)
		}
		d.serveWaiters(o)
	}
	d.mu.Unlock()
	r.done(r.Err)
	return closeConn
}

// settle resolves a request that was never written; busy as for finish.
func (o *owner) settle(r *request, err error, busy bool) {
	o.d.mu.Lock()
	o.account(r)
	if !busy {
		o.d.idleIfDone(o)
	}
	o.d.mu.Unlock()
	r.done(err)
}

// account removes a finished request from o's load; d.mu is held.
func (o *owner) account(r *request) {
	o.depth--
	if !r.fast {
		o.slow--
	}
	if r.Alone {
		o.alone = false
	}
	if r.counted {
		o.cancelled--
		r.counted = false
	}
	r.finished = true
}

// lose ends the owner's connection after err broke it. Requests in
// flight may have run: they fail with driver.ErrConnectionLost, except
// those the kernel refused to take a byte of, which go back with the
// requests not written yet to other connections when gone runs. It
// returns what broke the connection.
func (o *owner) lose(w *engine.Engine, err error) error {
	var broken *engine.BrokenError
	if errors.As(err, &broken) {
		err = broken.Err
	}
	lost := connectionLost(err)
	o.d.mu.Lock()
	if o.broken {
		// Lost already (runAlone loses the connection, then serve).
		o.d.mu.Unlock()
		return err
	}
	flight := o.flight
	o.flight = nil
	o.broken = true
	var back []*request
	n := 0
	for _, r := range flight {
		if w.NeverSent(&r.Batch) {
			// Timed afresh on its next connection.
			r.written = false
			r.ResetTimes()
			back = append(back, r)
			continue
		}
		flight[n] = r
		n++
		o.account(r)
		if !r.Cancelled.Load() && !r.Ended {
			o.d.counts.lost++
		}
	}
	o.d.mu.Unlock()
	o.pending = append(back, o.pending...)
	w.Lose(lost, &unsentError{cause: err})
	for _, r := range flight[:n] {
		if r.Ended {
			r.done(r.Err)
			continue
		}
		r.done(lost)
	}
	if n == 0 && len(back) > 0 {
		// The kernel refused the write whole and nothing written is lost.
		return &deadBeforeWrite{err: err, parked: o.parked}
	}
	return err
}

// connectionLost is the error of what was in flight on a connection that
// broke with err.
func connectionLost(err error) error { return fmt.Errorf("%w: %w", driver.ErrConnectionLost, err) }
