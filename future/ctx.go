package future

import (
	"context"
	"sync"
	"sync/atomic"
)

// closedChan is the Done channel of a runCtx cancelled before anyone asked
// for its Done channel, so that such a context never makes one.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// runCtx is the context Go passes to fn when the caller's context can never
// be cancelled (its Done channel is nil, as with context.Background). It
// lives inside the Future, so it costs no allocation of its own, and it makes
// its Done channel only when asked for it. Deadline and Value come from the
// caller's context.
//
// It implements AfterFunc so that contexts derived from it (database/sql
// derives one per query) are cancelled with it without the context package
// starting a goroutine per derived context to watch it.
type runCtx struct {
	context.Context

	done atomic.Value // chan struct{}, made on first use

	mu     sync.Mutex
	err    error
	afters map[*func()]struct{} // functions to run once cancelled
}

// Done returns a channel closed when the context is cancelled.
func (c *runCtx) Done() <-chan struct{} {
	if d := c.done.Load(); d != nil {
		return d.(chan struct{})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.done.Load()
	if d == nil {
		d = make(chan struct{})
		c.done.Store(d)
	}
	return d.(chan struct{})
}

// Err returns context.Canceled once the context is cancelled, else nil.
func (c *runCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// AfterFunc arranges for f to run in its own goroutine once c is cancelled,
// with the semantics of context.AfterFunc; the context package calls it to
// link derived contexts to c.
func (c *runCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	key := &f
	if c.afters == nil {
		c.afters = make(map[*func()]struct{})
	}
	c.afters[key] = struct{}{}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, waiting := c.afters[key]
		delete(c.afters, key)
		return waiting
	}
}

// cancel cancels c; cancelling a cancelled context does nothing.
func (c *runCtx) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = context.Canceled
	if d := c.done.Load(); d != nil {
		close(d.(chan struct{}))
	} else {
		c.done.Store(closedChan)
	}
	for key := range c.afters {
		go (*key)()
	}
	c.afters = nil
}
