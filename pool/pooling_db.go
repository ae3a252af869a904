package pool

// Giving connections back: to database/sql's own callers, who share
// MaxSize, and to the server when idle ones are shrunk away.

import "time"

// shareWithDB hands a connection to database/sql's own callers when they
// waited since the last look: the pool's least recently used idle one, or
// the least loaded busy one once it has finished its work.
func (d *dispatcher) shareWithDB() {
	waits := uint64(d.p.db.Stats().WaitCount)
	d.mu.Lock()
	defer d.mu.Unlock()
	if waits <= d.dbWaits || d.closed {
		d.dbWaits = max(d.dbWaits, waits)
		return
	}
	d.dbWaits = waits
	if len(d.idle) == 0 {
		var least *owner
		for _, o := range d.shared {
			if !o.quit && !o.yielding && (least == nil || o.depth < least.depth) {
				least = o
			}
		}
		if least != nil {
			least.yielding = true
		}
		return
	}
	o := d.idle[0]
	d.idle = d.idle[1:]
	o.quit, o.giveBack = true, true
	o.signal()
}

// shrink stops idle owners unused for longer than delay, least recently
// used first, keeping at least floor owners.
func (d *dispatcher) shrink(delay time.Duration, floor int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	cutoff := time.Now().Add(-delay)
	closed := 0
	for len(d.idle) > 0 && len(d.all)-closed > floor && d.idle[0].lastUsed.Before(cutoff) {
		o := d.idle[0]
		d.idle = d.idle[1:]
		d.retire(o, closeShrink)
		closed++
	}
	return closed
}
