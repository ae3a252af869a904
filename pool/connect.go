package pool

import (
	"context"
	"database/sql"
	"sync"

	"github.com/momoko-go/momoko/future"
)

// Connect opens Size connections concurrently, or as many as the floor
// lacks when called again. The future resolves to p, or fails with a
// *PartiallyConnectedError listing each failure unless
// Options.IgnoreConnectErrors is set. Either way the pool stays usable and
// re-opens missing connections in the background every ReconnectInterval.
//
// Calls made while Connect runs wait for it (Momoko #122); calls on a pool
// that was never connected connect it first.
func (p *Pool) Connect(ctx context.Context) *future.Future[*Pool] {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connectLocked(ctx)
}

func (p *Pool) connectLocked(ctx context.Context) *future.Future[*Pool] {
	if p.closed {
		return future.Failed[*Pool](ErrPoolClosed)
	}
	f := future.GoOn(ctx, p.workers, func(ctx context.Context) (*Pool, error) {
		errs := p.fill(ctx, true)
		if p.isClosed() {
			return p, ErrPoolClosed
		}
		if len(errs) == 0 {
			p.warnIfSessionsPooled(ctx)
		}
		if len(errs) > 0 && !p.opts.IgnoreConnectErrors {
			return p, &PartiallyConnectedError{Failed: len(errs), Size: p.opts.Size, Errs: errs}
		}
		return p, nil
	})
	if p.connect == nil {
		p.connect = f
		p.maintains.Add(1)
		go p.maintain()
	}
	return f
}

// awaitConnected makes a call wait for the first Connect, starting it when
// nobody has. Its outcome does not matter to the call: a failed connection
// is the call's own to report.
func (p *Pool) awaitConnected(ctx context.Context) error {
	if p.connected.Load() {
		return nil
	}
	p.mu.Lock()
	f := p.connect
	if f == nil && !p.closed {
		f = p.connectLocked(p.ctx)
	}
	p.mu.Unlock()
	if f == nil {
		return ErrPoolClosed
	}
	if _, err := f.Await(ctx); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	p.connected.Store(true)
	return nil
}

// fill opens the connections the floor lacks. database/sql hands out idle
// connections before it dials, so fill holds every idle connection too
// while it takes the missing ones; that also pings the idle ones that have
// been idle for longer than PingAfterIdle. With wait set it waits for
// slots; otherwise it gives up at once when callers hold them. It returns
// one error per connection that failed.
func (p *Pool) fill(ctx context.Context, wait bool) []error {
	if wait {
		p.fillMu.Lock()
	} else if !p.fillMu.TryLock() {
		return nil
	}
	defer p.fillMu.Unlock()
	st := p.db.Stats()
	missing := p.opts.Size - st.OpenConnections
	if missing <= 0 {
		p.setDead(0)
		return nil
	}
	n := st.Idle + missing
	held := 0
	if wait {
		for ; held < n; held++ {
			if err := p.slots.acquire(ctx); err != nil {
				break
			}
		}
	} else if p.slots.tryAcquire(n) {
		held = n
	}
	if held == 0 {
		return nil
	}
	conns := make([]*sql.Conn, held)
	errs := make([]error, held)
	var wg sync.WaitGroup
	for i := range held {
		wg.Go(func() { conns[i], errs[i] = p.db.Conn(ctx) })
	}
	wg.Wait()
	var failed []error
	for i := range held {
		if errs[i] != nil {
			failed = append(failed, errs[i])
			p.slots.release()
			continue
		}
		p.release(conns[i])
	}
	p.setDead(min(len(failed), missing))
	return failed
}

func (p *Pool) deadCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dead
}

func (p *Pool) setDead(n int) {
	p.mu.Lock()
	p.dead = n
	p.mu.Unlock()
}
