package pool

import (
	"context"
	"sync"
	"time"
)

// slots admit at most max callers to the pool's connections at once and
// queue the rest in FIFO order (database/sql hands a freed connection to a
// random waiter). Every caller holding a slot holds, or is getting, one
// connection, so database/sql itself never makes a caller wait.
type slots struct {
	mu      sync.Mutex
	max     int
	busy    int
	waiters []chan bool // FIFO; each gets true when granted a slot, false when the slots close
	closed  bool

	// lastBusy[n] is the last time n slots were held; AutoShrink reads how
	// many connections were needed within ShrinkDelay.
	lastBusy []time.Time
}

func newSlots(max int) *slots {
	return &slots{max: max, lastBusy: make([]time.Time, max+1)}
}

// acquire takes a slot, waiting in line until one is free, ctx ends or the
// slots close.
func (s *slots) acquire(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrPoolClosed
	}
	if s.busy < s.max && len(s.waiters) == 0 {
		s.take()
		s.mu.Unlock()
		return nil
	}
	w := make(chan bool, 1)
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	return s.wait(ctx, w)
}

// wait waits for w to be granted a slot, for ctx to end, or for the slots
// to close.
func (s *slots) wait(ctx context.Context, w chan bool) error {
	select {
	case granted := <-w:
		if !granted {
			return ErrPoolClosed
		}
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	if s.remove(w) {
		s.grantFree() // a requeued waiter may have held the line with slots free
		s.mu.Unlock()
		return ctx.Err()
	}
	s.mu.Unlock()
	// Granted or closed just as ctx ended: the answer is in w already.
	if <-w {
		s.release() // pass the slot on
		return ctx.Err()
	}
	return ErrPoolClosed
}

// requeue gives up the caller's slot and waits, first in line, for the
// next one released: for a caller that could not open a connection of its
// own while connections in use will soon be free. When the caller holds
// the only busy slot, nobody would ever release one: it keeps its slot and
// returns at once.
func (s *slots) requeue(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrPoolClosed
	}
	if s.busy == 1 {
		s.mu.Unlock()
		return nil
	}
	s.lastBusy[s.busy] = time.Now()
	s.busy--
	w := make(chan bool, 1)
	s.waiters = append([]chan bool{w}, s.waiters...)
	s.mu.Unlock()
	return s.wait(ctx, w)
}

// tryAcquire takes n slots at once if they are free and nobody waits.
func (s *slots) tryAcquire(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.waiters) > 0 || s.busy+n > s.max {
		return false
	}
	for range n {
		s.take()
	}
	return true
}

// take records one more busy slot; s.mu is held.
func (s *slots) take() {
	s.busy++
	s.lastBusy[s.busy] = time.Now()
}

// release frees a slot, handing it straight to the oldest waiter.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.lastBusy[s.busy] = time.Now()
	if len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		w <- true
		return
	}
	s.busy--
}

// grantFree hands free slots to waiters; s.mu is held.
func (s *slots) grantFree() {
	for s.busy < s.max && len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		s.take()
		w <- true
	}
}

// remove takes w out of line, reporting false if it was no longer there.
func (s *slots) remove(w chan bool) bool {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// close fails every waiter and every later acquire with ErrPoolClosed.
func (s *slots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, w := range s.waiters {
		w <- false
	}
	s.waiters = nil
}

// counts returns the busy slots and the waiters.
func (s *slots) counts() (busy, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy, len(s.waiters)
}

// neededWithin is the most slots held at once during the last d.
func (s *slots) neededWithin(d time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	since := time.Now().Add(-d)
	need := s.busy
	for n := s.max; n > need; n-- {
		if s.lastBusy[n].After(since) {
			return n
		}
	}
	return need
}
