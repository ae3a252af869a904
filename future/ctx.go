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

	done atomic.Pointer[chan struct{}] // &ch once made, or &closedChan
	ch   chan struct{}

	mu     sync.Mutex
	err    error
	afters map[*func()]struct{} // functions to run once cancelled
}

// Done returns a channel closed when the context is cancelled.
func (c *runCtx) Done() <-chan struct{} {
	if d := c.done.Load(); d != nil {
		return *d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done.Load() == nil {
		c.ch = make(chan struct{})
		c.done.Store(&c.ch)
	}
	return *c.done.Load()
}

// Err returns context.Canceled once the context is cancelled, else nil.
func (c *runCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// AfterFunc arranges for f to be called once c is cancelled; stop prevents
// that and reports whether it did. The context package calls it to link
// derived contexts to c. When c is cancelled already, f runs in a goroutine
// of its own, since the context package calls AfterFunc holding a lock that
// f takes.
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

// cancel cancels c and, before returning, the contexts derived from it, as
// context.WithCancel does for its children; cancelling a cancelled context
// does nothing. The functions registered by AfterFunc are called here
// rather than in goroutines of their own: the context package is their only
// source, and what it registers only cancels a derived context (and starts
// a goroutine itself for a context.AfterFunc function).
func (c *runCtx) cancel() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	if c.done.Load() != nil {
		close(c.ch)
	} else {
		c.done.Store(&closedChan)
	}
	afters := c.afters
	c.afters = nil
	c.mu.Unlock()
	for key := range afters {
		(*key)()
	}
}
