package pool

import (
	"context"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// Connect opens Size connections concurrently, or as many as the floor
// lacks when called again. The future resolves to p, or fails with a
// *PartiallyConnectedError listing each failure unless
// Options.IgnoreConnectErrors is set. Either way the pool stays usable and
// re-opens missing connections in the background every ReconnectInterval.
//
// Calls made while Connect runs wait for it (Momoko #122); calls on a pool
// that was never connected connect it first. With standbys, Connect also
// waits for their first check, so that reads go to them from the start.
func (p *Pool) Connect(ctx context.Context) *future.Future[*Pool] {
	ctx = nilctx.Or(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connectLocked(ctx)
}

func (p *Pool) connectLocked(ctx context.Context) *future.Future[*Pool] {
	if p.closed {
		return future.Failed[*Pool](ErrPoolClosed)
	}
	f := future.Go(ctx, func(ctx context.Context) (*Pool, error) {
		// Calls made once Connect has resolved go to the queue at once,
		// in the order they are made, not each after awaiting Connect on
		// a goroutine of its own.
		defer p.connected.Store(true)
		errs := p.fill(ctx, true)
		if p.isClosed() {
			return p, ErrPoolClosed
		}
		if p.replicas != nil {
			p.replicas.awaitFirstCheck(ctx, p)
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
		if p.opts.HealthCheckPeriod > 0 {
			p.maintains.Add(1)
			go p.checkHealth()
		}
		if p.replicas != nil {
			for _, m := range p.replicas.members {
				// A standby that cannot be reached is repaired in the
				// background and takes no reads meanwhile: the primary's
				// Connect does not fail for it.
				m.pool.Connect(p.ctx)
			}
			p.maintains.Add(1)
			go p.watchReplicas()
		}
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

// fill opens the connections the floor lacks, concurrently, and returns
// one error per connection that failed. With wait unset it gives up at
// once when another fill runs.
func (p *Pool) fill(ctx context.Context, wait bool) []error {
	if wait {
		p.fillMu.Lock()
	} else if !p.fillMu.TryLock() {
		return nil
	}
	defer p.fillMu.Unlock()
	d := p.disp
	d.mu.Lock()
	missing := p.opts.Size - len(d.all)
	if d.closed || missing <= 0 {
		d.mu.Unlock()
		p.setDead(0)
		return nil
	}
	waiters := make([]*connWaiter, missing)
	for i := range waiters {
		waiters[i] = &connWaiter{ch: make(chan ownerOrErr, 1), fail: true}
		d.newOwner(ownerPinned, ctx).waiter = waiters[i]
	}
	d.mu.Unlock()
	var failed []error
	for i, w := range waiters {
		select {
		case got := <-w.ch:
			if got.err != nil {
				failed = append(failed, got.err)
				continue
			}
			d.release(got.o)
		case <-ctx.Done():
			// The dials go on; their connections join the pool as they come.
			for _, w := range waiters[i:] {
				go func() {
					if got := <-w.ch; got.o != nil {
						d.release(got.o)
					}
				}()
			}
			failed = append(failed, ctx.Err())
			p.setDead(len(failed))
			return failed
		}
	}
	p.setDead(len(failed))
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
