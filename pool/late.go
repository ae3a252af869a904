package pool

import (
	"slices"
	"time"
)

// A statement known to be fast can still wait: for a row lock, an
// advisory lock, an ALTER TABLE. Whatever is pipelined behind it waits
// with it, and when the lock's holder needs one of those statements
// before it can commit, the application deadlocks while a connection may
// sit idle. So a pipeline whose head is late takes no new work, and what
// was given to it but is not written yet moves on:
//
//   - a connection's pipeline is late when its owner has waited for the
//     server without finishing a request for lateHead (the time of eight
//     fast statements) plus four times what such a wait usually lasts on
//     that connection, whatever it waits for: a statement, or the Prepare
//     of one (a Parse waits for the lock an ALTER TABLE holds). The usual
//     wait is learnt per connection, so that a server across a network
//     (a round trip of milliseconds) or a machine busy with other work
//     does not make every pipeline late. choose never joins a late
//     pipeline;
//   - requests given to a connection are written only when its owner is
//     not waiting for the server, so while it waits they sit in its queue.
//     A timer, armed while some connection has requests queued, moves
//     those of late connections to another connection (idle, new below
//     MaxSize, or a pipeline that is moving), or to the head of the line.
//
// What remains: a statement written behind one that then starts to wait
// waits with it. It was written when that pipeline was moving (the owner
// writes right after it has read a result), so the window is the time
// between a pipeline's last result and its head starting to wait; it
// cannot be closed without a round trip per statement. A caller whose
// context ends is answered at once in any case (see Cancellation).

// lateHead is how long a pipeline may finish nothing before it counts as
// late.
const lateHead = 8 * fastStatement

// late reports whether o's pipeline waits for a late head; d.mu is held.
func (o *owner) late(now time.Time) bool {
	return o.waited(now) > o.lateAfter()
}

// lateAfter is how long o may wait for the server without finishing a
// request before it counts as late; d.mu is held.
func (o *owner) lateAfter() time.Duration {
	return o.d.lateAfter + 4*time.Duration(o.usualWait.Load())
}

// learnWait adds one wait for a result that blocked on the socket and
// ended with a finished request to what o takes for usual: the shortest
// of the last len(o.waits) such waits, which is the round trip of the
// link and the server's quickest answer. Long waits (a lock, a slow
// statement) do not raise it unless every recent wait was long. Owner
// goroutine only, but for usualWait.
func (o *owner) learnWait(d time.Duration) {
	o.waits[o.waitsSeen%len(o.waits)] = d
	o.waitsSeen++
	shortest := d
	for _, w := range o.waits[:min(o.waitsSeen, len(o.waits))] {
		shortest = min(shortest, w)
	}
	o.usualWait.Store(int64(shortest))
}

// waiting reports whether o's owner waits for the server now.
func (o *owner) waiting() bool { return o.readSince.Load() != 0 }

// waited is how long o's owner has been waiting for the server without
// finishing a request; 0 while it is not waiting.
func (o *owner) waited(now time.Time) time.Duration {
	since := o.readSince.Load()
	if since == 0 {
		return 0
	}
	return time.Duration(now.UnixNano() - since)
}

// armLate makes sure the pool looks for late pipelines within after;
// d.mu is held.
func (d *dispatcher) armLate(after time.Duration, now time.Time) {
	if d.closed {
		return
	}
	at := now.Add(after)
	if !d.lateAt.IsZero() && !at.Before(d.lateAt) {
		return
	}
	d.lateAt = at
	if d.lateTimer == nil {
		d.lateTimer = time.AfterFunc(after, d.moveFromLate)
		return
	}
	d.lateTimer.Reset(after)
}

// moveFromLate gives the requests queued on late pipelines to other
// connections, and looks again while others are queued behind pipelines
// that may still become late.
func (d *dispatcher) moveFromLate() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lateAt = time.Time{}
	if d.closed {
		return
	}
	now := time.Now()
	var moved []*request
	var late []*owner
	next := time.Duration(-1)
	for _, o := range d.shared {
		if len(o.queue) == 0 || o.state != ownerShared {
			continue
		}
		if !o.late(now) {
			if wait := o.lateAfter() - o.waited(now); next < 0 || wait < next {
				next = wait
			}
			continue
		}
		late = append(late, o)
		keep := o.queue[:0]
		for _, r := range o.queue {
			// A Conn's requests belong to its session. Held ones wait for
			// their Prepares: when one of theirs is what the owner waits
			// for (a Parse waiting for a lock would wait as well on the
			// next connection, and hold that one up too), they stay.
			if !r.Shared || r.Held && o.onPrepare != "" && r.Uses(o.onPrepare) {
				keep = append(keep, r)
				continue
			}
			o.account(r)
			r.finished, r.owner = false, nil
			moved = append(moved, r)
		}
		clear(o.queue[len(keep):])
		o.queue = keep
		switch {
		case o.wanted():
		case len(o.flight) > 0:
			// What kept a cancelled head from being cancelled on the
			// server has moved away.
			o.startCancel(o.flight[0])
		case !o.guarded:
			// It waits for Prepares of what moved: a connection caught
			// in a partition must not come back when the network heals.
			o.guarded = true
			o.watchProgress(nil)
		}
	}
	// Not back to where they came from, however briefly those owners
	// look not to be waiting (between two reads).
	for _, o := range late {
		o.movingFrom = true
	}
	defer func() {
		for _, o := range late {
			o.movingFrom = false
		}
	}()
	var line []*request
	for _, r := range moved {
		if r.Cancelled.Load() {
			continue // its future is resolved already
		}
		d.counts.movedLate++
		if len(d.waiters) == 0 && len(line) == 0 {
			if o := d.choose(r); o != nil {
				d.assign(o, r)
				continue
			}
		}
		line = append(line, r)
	}
	// They were given out before anything now in line arrived.
	for _, r := range slices.Backward(line) {
		d.enqueue(waiter{req: r}, true)
		d.limitWait(r)
	}
	if next >= 0 {
		d.armLate(max(next, time.Millisecond/4), now)
	}
}

// unpend hands the requests the owner took up but could not write yet
// (waiting for their Prepares, or behind a transaction) back to its
// queue before it waits for the server, so that they can move if that
// wait is long. onPrepare: the SQL of the Prepare it waits for first,
// "" if that is not a Prepare; now: when the wait begins.
func (o *owner) unpend(onPrepare string, now time.Time) {
	d := o.d
	d.mu.Lock()
	o.queue = append(o.pending, o.queue...)
	o.pending, o.requeued = nil, 0
	o.onPrepare = onPrepare
	d.armLate(o.lateAfter(), now)
	d.mu.Unlock()
}
