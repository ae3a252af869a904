package pool

import (
	"context"
	"slices"
	"time"
)

// The health check pings idle connections in the background, so that one
// a NAT or firewall dropped silently is replaced before a caller meets it.
// The dispatcher lends it an idle owner (state ownerChecking: out of the
// idle list, so that nothing else is given to it); the owner pings its
// connection on its own goroutine, the only one that touches it, and goes
// back to the idle list in its place, or is retired.

// healthShare: at most one idle connection in healthShare is being
// checked at a time (at least one), so that the rest stay ready for
// callers and a pool of 50 never sends 50 pings at once.
const healthShare = 4

// checkHealth runs a health check pass every HealthCheckPeriod until the
// pool closes.
func (p *Pool) checkHealth() {
	defer p.maintains.Done()
	t := time.NewTicker(p.opts.HealthCheckPeriod)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			p.healthPass()
		}
	}
}

// healthPass pings the connections idle for at least half a period
// (those used since answered the server recently), least recently used
// first and a share of them at a time, then repairs the floor: connections
// that failed are being replaced already, and a floor short since a
// failed dial is dialed again here rather than waiting for the next
// repair.
func (p *Pool) healthPass() {
	d := p.disp
	cutoff := time.Now().Add(-p.opts.HealthCheckPeriod / 2)
	for {
		batch := d.lendForCheck(cutoff)
		if len(batch) == 0 {
			break
		}
		for _, done := range batch {
			select {
			case <-done:
			case <-p.ctx.Done():
				return
			}
		}
	}
	p.repair()
}

// lendForCheck takes idle owners not known alive since cutoff, least
// recently used first, as many as may be checked at once, and wakes them
// to ping; it returns channels closed when their checks are over.
func (d *dispatcher) lendForCheck(cutoff time.Time) []chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	limit := max(1, (len(d.idle)+d.checking)/healthShare)
	var batch []chan struct{}
	for i := 0; i < len(d.idle) && len(batch) < limit; {
		o := d.idle[i]
		// A CancelRequest still on its way would land on the ping.
		if o.quit || o.cancelling.Load() || !o.lastAlive().Before(cutoff) {
			i++
			continue
		}
		d.idle = slices.Delete(d.idle, i, i+1)
		o.become(ownerChecking)
		o.checkDone = make(chan struct{})
		d.checking++
		batch = append(batch, o.checkDone)
		o.signal()
	}
	return batch
}

// healthPing pings o's connection, waiting as long as the period but at
// least healthPingFloor (a loaded server may take a moment to answer, and
// a false alarm costs a reconnect) and at most checkTimeout. A long wait
// costs callers nothing: the connection is out of the idle list meanwhile.
// Closing the pool ends it.
func (o *owner) healthPing() error {
	p := o.d.p
	ctx, cancel := context.WithTimeout(p.ctx, healthPingTimeout(p.opts.HealthCheckPeriod))
	defer cancel()
	return o.probe(ctx)
}

// healthPingFloor is the shortest a health check waits for a ping.
const healthPingFloor = time.Second

func healthPingTimeout(period time.Duration) time.Duration {
	return min(max(period, healthPingFloor), checkTimeout)
}

// checked takes o back from the health check: to the idle list in its
// place by last use (so that shrinking still sees how long it has been
// idle), to what waits for a connection, or retired when its ping failed
// or it was doomed meanwhile (its lifetime, Reset). d.mu is held.
func (d *dispatcher) checked(o *owner, err error) {
	d.checking--
	close(o.checkDone)
	o.checkDone = nil
	switch {
	case o.quit: // the pool closed meanwhile
	case err != nil:
		d.retire(o, closeHealthCheck)
	case o.retireAs != closeNone:
		d.retire(o, o.retireAs)
	case len(d.waiters) > 0:
		o.checked = time.Now()
		o.become(ownerShared)
		d.shared = append(d.shared, o)
		d.idleIfDone(o)
	default:
		o.checked = time.Now()
		o.become(ownerIdle)
		i, _ := slices.BinarySearchFunc(d.idle, o.lastUsed, func(x *owner, t time.Time) int {
			return x.lastUsed.Compare(t)
		})
		d.idle = slices.Insert(d.idle, i, o)
	}
}

// lastAlive is when o's connection last answered: its last use or its
// last health check; d.mu is held.
func (o *owner) lastAlive() time.Time {
	if o.checked.After(o.lastUsed) {
		return o.checked
	}
	return o.lastUsed
}
