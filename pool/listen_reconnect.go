package pool

import (
	"context"
	"math/rand/v2"
	"time"
)

// maxListenBackoff is the longest a listener waits between two dials when
// ReconnectInterval is shorter: it bounds how late it comes back after an
// outage.
const maxListenBackoff = 5 * time.Second

// lost marks the listener disconnected: commands waiting for the
// connection are answered, since the next one listens on every channel.
func (l *Listener) lost(cause error) {
	l.mu.Lock()
	l.connected = false
	cmds := l.cmds
	l.cmds = nil
	l.mu.Unlock()
	for _, c := range cmds {
		c.reply(nil)
	}
	l.p.opts.Logger.Warn("momoko: listener connection lost, reconnecting", "error", cause)
}

// reconnect dials until a connection listens on every channel, or the
// listener ends (false). The first dial goes at once; the connector's
// fail-fast gate fails those made while the server is known down without
// dialing.
func (l *Listener) reconnect() (listenConn, bool) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 && !l.pause(listenBackoff(l.p.opts.ReconnectInterval, attempt)) {
			return listenConn{}, false
		}
		ctx, cancel := context.WithTimeout(l.ctx, listenStepTimeout)
		c, err := l.open(ctx)
		cancel()
		if err == nil {
			return c, true
		}
		if l.ctx.Err() != nil {
			return listenConn{}, false
		}
		if attempt == 0 {
			l.p.opts.Logger.Warn("momoko: listener cannot reconnect yet", "error", err)
		} else {
			l.p.opts.Logger.Debug("momoko: listener cannot reconnect yet", "error", err)
		}
	}
}

// reconnected queues the gap for the notifications sent while the
// listener had no connection. It follows everything the lost connection
// delivered and comes before anything of the new one.
func (l *Listener) reconnected(cause error, downFor time.Duration) {
	l.mu.Lock()
	l.stats.Reconnects++
	if g := l.gapLocked(); g.Cause == nil {
		g.Cause = cause
	}
	l.signalLocked()
	l.mu.Unlock()
	l.p.opts.Logger.Info("momoko: listener reconnected", "down_for", downFor)
}

// pause waits d, or reports false when the listener ends first.
func (l *Listener) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// listenBackoff is the wait before a reconnection's attempt-th dial
// (from 1): ReconnectInterval, doubling with each failure up to
// maxListenBackoff (or ReconnectInterval when longer), less up to half of
// it at random, so that listeners that lost their connections together do
// not dial together.
func listenBackoff(interval time.Duration, attempt int) time.Duration {
	ceiling := max(interval, maxListenBackoff)
	d := interval
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d - rand.N(d/2+1)
}
