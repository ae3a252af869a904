package pool

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// closeCause is why the pool closed a connection, for Stats.Closes and the
// log.
type closeCause uint8

const (
	closeNone        closeCause = iota // not closed by the pool's choice (Close, given back to database/sql)
	closeLifetime                      // older than its lifetime
	closeHealthCheck                   // failed the background ping
	closeShrink                        // idle longer than ShrinkDelay
	closeBroken                        // an error: the network, the server, a failed ping on acquire
	closeReset                         // dialed before Pool.Reset
	closeCauses
)

func (c closeCause) String() string {
	return [...]string{"", "lifetime", "health check", "shrink", "broken", "reset"}[c]
}

// startLifetime arms o's lifetime for a connection dialed at born: once
// MaxLifetime plus a random share of MaxLifetimeJitter have passed, o is
// retired as soon as it is idle.
func (o *owner) startLifetime(born time.Time) {
	d := o.d
	opts := d.p.opts
	d.mu.Lock()
	defer d.mu.Unlock()
	o.born = born
	if opts.MaxLifetime <= 0 {
		return
	}
	life := opts.MaxLifetime
	if opts.MaxLifetimeJitter > 0 {
		life += rand.N(opts.MaxLifetimeJitter + 1)
	}
	o.lifetime = time.AfterFunc(time.Until(born.Add(life)), func() { d.expire(o) })
}

// expire marks o as past its lifetime.
func (d *dispatcher) expire(o *owner) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.doom(o, closeLifetime)
}

// doom makes o take no new work and be retired for cause: now if idle,
// else when it next goes idle (idleIfDone), when its health check ends
// (checked) or when its Conn is put back. The first cause stands. It
// reports whether o was doomed now; d.mu is held.
func (d *dispatcher) doom(o *owner, cause closeCause) bool {
	if o.broken || o.quit || o.retireAs != closeNone {
		return false
	}
	o.retireAs = cause
	if o.state == ownerIdle && d.removeIdle(o) {
		d.retire(o, cause)
	}
	return true
}

// retire makes o close its connection once nothing is in flight, for
// cause; d.mu is held and o is in neither the idle nor the shared list.
func (d *dispatcher) retire(o *owner, cause closeCause) {
	o.retired = cause
	o.quit = true
	o.signal()
}

// replaceRetired starts a connection in place of o, retired for its
// lifetime, a failed health check or Reset, when o's going takes the pool
// below Size; d.mu is held. The new owner joins the pool once dialed, as
// an owner whose Conn was put back does, so that no request waits on its
// dial.
func (d *dispatcher) replaceRetired(o *owner) {
	replaced := o.retired == closeLifetime || o.retired == closeHealthCheck || o.retired == closeReset
	if replaced && !d.closed && len(d.all) < d.p.opts.Size {
		d.newOwner(ownerReleasing, nil)
	}
}

// logClose reports a connection the pool closed, at debug level: why, how
// old it was, and its server process (pid, 0 for other drivers) to find
// it in the server's log.
func (p *Pool) logClose(cause closeCause, born time.Time, pid uint32) {
	if cause == closeNone || born.IsZero() {
		return
	}
	p.opts.Logger.Debug("momoko: connection closed", slog.String("cause", cause.String()),
		slog.Duration("age", time.Since(born)), slog.Any("pid", pid))
}
