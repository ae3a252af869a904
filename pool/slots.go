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
	waiters []*slotWaiter // FIFO
	closed  bool

	// lastBusy[n] is the last time n slots were held; AutoShrink reads how
	// many connections were needed within ShrinkDelay.
	lastBusy []time.Time
}

type slotWaiter struct {
	ready   chan struct{} // closed when granted or the slots close
	granted bool
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
	w := &slotWaiter{ready: make(chan struct{})}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	return s.wait(ctx, w)
}

// wait waits for w to be granted a slot, for ctx to end, or for the slots
// to close.
func (s *slots) wait(ctx context.Context, w *slotWaiter) error {
	select {
	case <-w.ready:
	case <-ctx.Done():
		s.mu.Lock()
		if !w.granted && !s.closed {
			s.remove(w)
			s.mu.Unlock()
			return ctx.Err()
		}
		s.mu.Unlock()
		if w.granted {
			s.release() // handed over just as ctx ended: pass it on
		}
		if s.isClosed() {
			return ErrPoolClosed
		}
		return ctx.Err()
	}
	if !w.granted {
		return ErrPoolClosed
	}
	return nil
}

// requeue gives up the caller's slot and waits, first in line, for the
// next one released: for a caller that could not open a connection of its
// own while connections in use will soon be free.
func (s *slots) requeue(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrPoolClosed
	}
	s.lastBusy[s.busy] = time.Now()
	s.busy--
	w := &slotWaiter{ready: make(chan struct{})}
	s.waiters = append([]*slotWaiter{w}, s.waiters...)
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
		w.granted = true
		close(w.ready)
		return
	}
	s.busy--
}

func (s *slots) remove(w *slotWaiter) {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// close fails every waiter and every later acquire with ErrPoolClosed.
func (s *slots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, w := range s.waiters {
		close(w.ready)
	}
	s.waiters = nil
}

func (s *slots) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
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
