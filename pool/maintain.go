package pool

import (
	"context"
	"log/slog"
	"time"
)

// repairTimeout bounds how long a repair waits for its dials: a dial into
// a partition without connect_timeout would otherwise hold it for minutes.
const repairTimeout = 5 * time.Second

// shareInterval is how often the pool looks for callers of p.DB()
// waiting for a connection the pool holds.
const shareInterval = 10 * time.Millisecond

// maintain repairs the floor every ReconnectInterval and, with AutoShrink,
// shrinks every ShrinkPeriod, until the pool closes. The health check has
// a goroutine of its own (checkHealth): its pings may take a while, and
// the share with database/sql must not wait for them.
func (p *Pool) maintain() {
	defer p.maintains.Done()
	repair := time.NewTicker(p.opts.ReconnectInterval)
	defer repair.Stop()
	share := time.NewTicker(shareInterval)
	defer share.Stop()
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
			p.repair()
		case <-shrink:
			p.shrink()
		case <-share.C:
			p.disp.shareWithDB()
		}
	}
}

// repair opens the connections the floor lacks, and logs when the pool
// starts or stops missing connections.
func (p *Pool) repair() {
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
}

// shrink closes the connections idle for longer than ShrinkDelay, those
// idle longest first, never going below Size.
func (p *Pool) shrink() {
	if closed := p.disp.shrink(p.opts.ShrinkDelay, p.opts.Size); closed > 0 {
		p.opts.Logger.Info("momoko: pool shrunk", slog.Int("closed", closed))
	}
}
