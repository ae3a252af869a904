package pool

import (
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

// watchLeak reports c through the logger, with the stack that took it, if
// it is still checked out after LeakThreshold.
func (p *Pool) watchLeak(c *Conn, stack []byte) {
	if p.opts.LeakThreshold <= 0 {
		return
	}
	taken := time.Now()
	c.leak = time.AfterFunc(p.opts.LeakThreshold, func() {
		if !c.returned.Load() {
			p.opts.Logger.Warn("momoko: connection not put back",
				slog.Duration("held", time.Since(taken)), slog.String("stack", string(stack)))
		}
	})
}
