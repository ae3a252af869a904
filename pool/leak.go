package pool

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"
)

// takerStack is the stack of the goroutine calling GetConn, for the leak
// report; nil when leaks are not watched, since a stack costs microseconds.
func (p *Pool) takerStack() []byte {
	if p.opts.LeakThreshold <= 0 {
		return nil
	}
	return debug.Stack()
}

// watchLeak reports c through the logger, with the stack that took it
// and the taker's context (its values: the trace that leaked it), if it
// is still checked out after LeakThreshold.
func (p *Pool) watchLeak(ctx context.Context, c *Conn, stack []byte) {
	if p.opts.LeakThreshold <= 0 {
		return
	}
	taken := time.Now()
	ctx = context.WithoutCancel(ctx)
	c.leak = time.AfterFunc(p.opts.LeakThreshold, func() {
		if !c.returned.Load() {
			p.opts.Logger.WarnContext(ctx, "momoko: connection not put back",
				slog.Duration("held", time.Since(taken)), slog.String("stack", string(stack)))
		}
	})
}
