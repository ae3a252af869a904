package pool

import (
	"context"
	"sync"
	"time"
)

// Dispatch depths. spreadDepth is how deep a connection's pipeline grows
// before the pool prefers an idle connection or a new one: a few deep
// pipelines serve fast statements better than many shallow ones on a
// small machine (fewer server processes busy, one read for many results),
// yet one connection is a single server process.
const spreadDepth = 8

// DefaultMaxPipeline is Options.MaxPipeline's default.
const DefaultMaxPipeline = 32

// dispatcher chooses the connection owner for each request and queues
// what no owner can take, in FIFO order.
type dispatcher struct {
	p *Pool

	// mu guards the dispatcher, the owners' fields marked "Guarded by
	// d.mu" (their state among them, owner_state.go) and the requests'
	// so marked. The contract, kept by every function that takes it:
	//   - Nothing blocks while it is held: no I/O (but for setting a
	//     deadline on a connection to give it up, see watchProgress), no
	//     engine call that does I/O, no wait on a channel; a send only on
	//     a channel with room (a connWaiter's, cap 1, sent to once; an
	//     owner's wake, cap 1, non-blocking).
	//   - No future is resolved while it is held: r.done runs after the
	//     unlock, or on a goroutine of its own, since a future's callbacks
	//     may call the pool again.
	//   - A connection's engine is its owner goroutine's alone and is never
	//     reached through the dispatcher; the owner takes mu only to
	//     publish what it did (in flight, finished, idle) and to take new
	//     work.
	//   - Context callbacks (a caller giving up), timers, Stats and the
	//     health check take it like any caller, and call nothing outside
	//     the pool while holding it (a Logger is called after the unlock).
	//   - A Listener's mutex and mu are never held together.
	mu      sync.Mutex
	max     int
	maxPipe int
	spread  int

	all     []*owner // every owner alive, dialing ones included
	idle    []*owner // least recently used first
	shared  []*owner // owners serving pooled requests
	waiters []waiter // FIFO
	closed  bool
	nextID  uint64

	// database/sql's callers (p.DB()) share MaxSize: when they wait,
	// an idle owner hands its connection back, or with none idle, a busy
	// one takes no more work and hands it back once done.
	dbWaits uint64

	// lateTimer moves requests off pipelines whose head is late (late.go).
	lateTimer *time.Timer
	lateAfter time.Duration // lateHead; tests change it
	lateAt    time.Time     // when lateTimer fires; zero while it is not set

	pipelined  uint64 // requests written behind another in flight
	deepest    int
	dialing    int
	checking   int // idle owners being pinged by the health check
	statements uint64
	closes     [closeCauses]uint64 // connections closed, by cause
	resetAt    time.Time           // when Reset was last called: connections dialed before are not served on
	counts     counters            // the rest of Stats' cumulative counters
}

func newDispatcher(p *Pool, o Options) *dispatcher {
	maxPipe := o.MaxPipeline
	if maxPipe <= 0 {
		maxPipe = 1
	}
	return &dispatcher{p: p, max: o.MaxSize, maxPipe: maxPipe, spread: min(spreadDepth, maxPipe), lateAfter: lateHead,
		counts: counters{waitHist: &p.lat.wait}}
}

// submit hands r to an owner, or queues it.
func (d *dispatcher) submit(r *request) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		r.done(ErrPoolClosed)
		return
	}
	if r.settled.Load() {
		// Its context ended on the way here: its caller has its answer,
		// and it takes no place in line.
		d.admit(r)
		r.observeCancelled()
		d.mu.Unlock()
		return
	}
	var o *owner
	if len(d.waiters) == 0 {
		o = d.choose(r)
	}
	if o == nil && d.shed() {
		d.mu.Unlock()
		r.done(ErrTooManyWaiting)
		return
	}
	d.admit(r)
	if o == nil {
		d.enqueue(waiter{req: r}, false)
		d.limitWait(r)
		d.mu.Unlock()
		return
	}
	d.assign(o, r)
	d.mu.Unlock()
}

// admit counts r among Stats.Statements, and its time in Stats.Latency;
// d.mu is held.
func (d *dispatcher) admit(r *request) {
	d.statements++
	r.lat = &d.p.lat
}

// choose picks an owner for r: the least loaded connection whose pipeline
// runs only fast statements, when r is fast too; else an idle connection,
// the one used last; else a new one below MaxSize; else, at MaxSize, any
// fast pipeline with room. nil: r must wait.
func (d *dispatcher) choose(r *request) *owner {
	if o := d.joinable(r, d.spread); o != nil {
		return o
	}
	if n := len(d.idle); n > 0 {
		o := d.idle[n-1]
		d.idle = d.idle[:n-1]
		o.become(ownerShared)
		d.shared = append(d.shared, o)
		return o
	}
	if len(d.all) < d.max {
		return d.newOwner(ownerShared, r.Ctx)
	}
	return d.joinable(r, d.maxPipe)
}

// joinable is the least loaded shared owner r may be pipelined on, with
// fewer than limit requests.
func (d *dispatcher) joinable(r *request, limit int) *owner {
	if !r.fast || r.Alone {
		return nil
	}
	var best *owner
	var now time.Time
	for _, o := range d.shared {
		if o.slow > 0 || o.alone || o.broken || o.cancelling.Load() || o.quit || o.yielding || o.retireAs != closeNone || o.depth >= limit {
			continue
		}
		if o.movingFrom {
			continue
		}
		if o.waiting() {
			if now.IsZero() {
				now = time.Now()
			}
			if o.late(now) {
				continue
			}
		}
		if best == nil || o.depth < best.depth {
			best = o
		}
	}
	return best
}

// assign gives r to o; d.mu is held.
func (d *dispatcher) assign(o *owner, r *request) {
	r.owner, r.Held, r.Described = o, false, false
	o.queue = append(o.queue, r)
	o.depth++
	if o.depth > 1 {
		d.pipelined++
		d.deepest = max(d.deepest, o.depth)
	}
	if o.depth > 1 || o.waiting() {
		d.armLate(o.lateAfter(), time.Now())
	}
	if !r.fast {
		o.slow++
	}
	if r.Alone {
		o.alone = true
	}
	o.signal()
}

// newOwner starts an owner that dials a connection for caller (nil if
// none); d.mu is held.
func (d *dispatcher) newOwner(state ownerState, caller context.Context) *owner {
	d.nextID++
	d.dialing++
	o := &owner{d: d, id: d.nextID, state: state, wake: make(chan struct{}, 1), caller: caller}
	d.all = append(d.all, o)
	if state == ownerShared {
		d.shared = append(d.shared, o)
	}
	d.p.owners.Add(1)
	go o.run()
	return o
}

// release takes back an owner from its caller: it serves the pool again
// once its work is done.
func (d *dispatcher) release(o *owner) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o.pin = nil
	if o.broken || o.state != ownerPinned {
		return
	}
	o.become(ownerReleasing) // finishes the Conn's work before serving others
	d.settleReleased(o)
	o.signal()
}

// settleReleased returns an owner whose Conn was put back to the pool
// once the Conn's work is done; a connection left inside a transaction is
// closed instead. d.mu is held.
func (d *dispatcher) settleReleased(o *owner) {
	if o.state != ownerReleasing || o.depth > 0 {
		return
	}
	if o.txStatus == 'T' || o.txStatus == 'E' {
		// Closing the connection ends the transaction.
		o.retired, o.quit = closeBroken, true
		return
	}
	o.become(ownerShared)
	d.shared = append(d.shared, o)
	d.idleIfDone(o)
}

// idleIfDone moves a shared owner with nothing to do to the idle list,
// after giving it what waits, or retires it when it is doomed (its
// lifetime is over, or Reset was called). It happens as the last request
// finishes, before its future resolves, so that a caller who sees the
// result sees the connection back in the pool. d.mu is held.
func (d *dispatcher) idleIfDone(o *owner) {
	if o.state != ownerShared || o.depth > 0 || o.quit {
		return
	}
	// A doomed connection is closed rather than given back: closing it
	// frees database/sql's slot all the same.
	if o.retireAs != closeNone {
		d.removeShared(o)
		d.retire(o, o.retireAs)
		return
	}
	if o.yielding {
		o.quit, o.giveBack = true, true
		o.signal()
		return
	}
	d.serveWaiters(o)
	if o.depth > 0 || o.state != ownerShared {
		return
	}
	d.removeShared(o)
	o.become(ownerIdle)
	o.lastUsed = time.Now()
	d.idle = append(d.idle, o)
}
