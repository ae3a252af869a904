package pool

import (
	"context"
	"log/slog"
	"time"
)

// repairTimeout bounds a repair: it holds the idle connections' slots
// while it dials, and a dial into a partition without connect_timeout would
// otherwise hold them for minutes.
const repairTimeout = 5 * time.Second

// maintain repairs the floor every ReconnectInterval and, with AutoShrink,
// shrinks every ShrinkPeriod, until the pool closes.
func (p *Pool) maintain() {
	defer p.maintains.Done()
	repair := time.NewTicker(p.opts.ReconnectInterval)
	defer repair.Stop()
	var shrink <-chan time.Time
	if p.opts.AutoShrink {
		t := time.NewTicker(p.opts.ShrinkPeriod)
		defer t.Stop()
		shrink = t.C
	}
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-repair.C:
			before := p.deadCount()
			ctx, cancel := context.WithTimeout(p.ctx, repairTimeout)
			errs := p.fill(ctx, false)
			cancel()
			after := p.deadCount()
			switch {
			case before == 0 && after > 0 && len(errs) > 0:
				p.opts.Logger.Warn("momoko: connections lost, reconnecting",
					slog.Int("missing", after), slog.Any("error", errs[0]))
			case before > 0 && after == 0 && p.ctx.Err() == nil:
				p.opts.Logger.Info("momoko: reconnected", slog.Int("connections", before))
			}
		case <-shrink:
			p.shrink()
		}
	}
}

// shrink closes idle connections beyond what was needed at once during the
// last ShrinkDelay, never going below Size. database/sql reuses its most
// recently returned connection first, so when at most n connections were
// in use at once during ShrinkDelay, every connection beyond n has been
// idle for at least ShrinkDelay.
//
// A connection that turns idle between the count and the closing can make
// it close one more than it meant to; if that takes the pool below Size,
// the floor is repaired at once.
func (p *Pool) shrink() {
	keep := max(p.opts.Size, p.slots.neededWithin(p.opts.ShrinkDelay))
	st := p.db.Stats()
	excess := min(st.OpenConnections-keep, st.Idle)
	if excess <= 0 {
		return
	}
	// SetMaxIdleConns closes the idle connections beyond its limit.
	p.db.SetMaxIdleConns(st.Idle - excess) // 0 closes them all
	p.db.SetMaxIdleConns(p.opts.MaxSize)
	p.opts.Logger.Info("momoko: pool shrunk", slog.Int("closed", excess), slog.Int("open", st.OpenConnections-excess))
	if p.db.Stats().OpenConnections < p.opts.Size {
		ctx, cancel := context.WithTimeout(p.ctx, repairTimeout)
		defer cancel()
		p.fill(ctx, false)
	}
}
