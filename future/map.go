package future

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Map calls fn on every input, at most limit calls at a time, and returns a
// future of the outputs in input order: a bounded fan-out, like an
// errgroup.Group with SetLimit, for running one query over many inputs.
// A limit below 1 means no limit.
//
// The calls run in a pool of min(limit, len(inputs)) goroutines, each with a
// context derived from ctx. The first failing call cancels the calls in
// flight, no new call starts, and the future fails with that error wrapped
// with the input's index; a panic in fn becomes a *PanicError the same way.
// The future resolves only after every call has returned. If the future is
// cancelled (or ctx ends) before every input has been started, it fails
// with the context's error.
func Map[In, Out any](ctx context.Context, limit int, inputs []In, fn func(context.Context, In) (Out, error)) *Future[[]Out] {
	if fn == nil {
		return Failed[[]Out](nilArgument("Map", "fn"))
	}
	return Go(ctx, func(ctx context.Context) ([]Out, error) {
		workers := len(inputs)
		if limit > 0 && limit < workers {
			workers = limit
		}
		m := &mapping[In, Out]{inputs: inputs, fn: fn, out: make([]Out, len(inputs))}
		ctx, m.cancel = context.WithCancel(ctx)
		defer m.cancel()
		m.wg.Add(workers)
		for range workers {
			go m.work(ctx)
		}
		m.wg.Wait()
		if m.err != nil {
			return nil, m.err
		}
		if int(m.next.Load()) < len(inputs) {
			return nil, ctx.Err()
		}
		return m.out, nil
	})
}

// mapping is the state one Map call shares among its workers.
type mapping[In, Out any] struct {
	inputs []In
	fn     func(context.Context, In) (Out, error)
	out    []Out
	next   atomic.Int64 // index of the next input to claim
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu  sync.Mutex
	err error // the first failure
}

// work claims inputs one by one until none is left or ctx ends.
func (m *mapping[In, Out]) work(ctx context.Context) {
	defer m.wg.Done()
	call := &mapCall[In, Out]{m: m}
	for ctx.Err() == nil {
		call.i = int(m.next.Add(1) - 1)
		if call.i >= len(m.inputs) {
			return
		}
		in := m.inputs[call.i]
		guard(ctx, func(ctx context.Context) (Out, error) { return m.fn(ctx, in) }, call)
	}
}

// mapCall settles the call of a mapping's fn on input i.
type mapCall[In, Out any] struct {
	m *mapping[In, Out]
	i int
}

func (c *mapCall[In, Out]) settle(v Out, err error) {
	if err == nil {
		c.m.out[c.i] = v
		return
	}
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	if c.m.err == nil {
		c.m.err = fmt.Errorf("future.Map: input %d: %w", c.i, err)
		c.m.cancel()
	}
}
