package pool

import (
	"log/slog"
	"runtime/debug"
	"time"
)

// watchLeak reports c through the logger, with the stack that took it, if
// it is still checked out after LeakThreshold.
func (p *Pool) watchLeak(c *Conn) {
	if p.opts.LeakThreshold <= 0 {
		return
	}
	stack := debug.Stack()
	taken := time.Now()
	c.leak = time.AfterFunc(p.opts.LeakThreshold, func() {
		if !c.returned.Load() {
			p.opts.Logger.Warn("momoko: connection not put back",
				slog.Duration("held", time.Since(taken)), slog.String("stack", string(stack)))
		}
	})
}
