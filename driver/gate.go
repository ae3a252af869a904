package driver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ConnectorStats counts what the reconnect gate did. Nothing in it holds a
// password.
type ConnectorStats struct {
	Dialing      int   // real dials in flight now
	Dials        int64 // real dials started
	DialFailures int64 // real dials that failed (not counting ones abandoned by their caller)
	Redials      int64 // dials made at once after a failed one while up, to confirm it (counted in Dials too)
	FastFailures int64 // Connect calls failed by the gate without dialing
	Coalesced    int64 // Connect calls that waited for another caller's dial instead of dialing
	Down         bool  // the last real dial failed: the database is considered down
	// DownSince is when the current outage was first seen; zero when up.
	DownSince time.Time
}

// gate decides whether a Connect may dial. While the database is up, dials
// run freely in parallel. A failed dial proves nothing by itself (a network
// blip may have cut one handshake while the server is up): its dialer dials
// once more at once, and callers arriving meanwhile wait for that outcome.
// A dial that timed out is not confirmed. When the confirmation fails too
// the database is down: for interval every caller fails
// at once; then the next caller dials as the probe and everyone arriving
// meanwhile waits for the probe's outcome instead of dialing too. A failed
// probe is not confirmed: the database is already known to be down, and an
// outage costs one extra dial in all.
type gate struct {
	interval time.Duration
	logger   *slog.Logger
	now      func() time.Time

	mu       sync.Mutex
	stats    ConnectorStats
	lastErr  error     // last real dial error while down
	lastFail time.Time // when it ended
	probe    *probe    // the dial in flight while down, if any
}

type probe struct {
	done chan struct{}
	err  error // valid once done is closed; nil means the server answered
	// conclusive is false when the probe's own caller gave up before the
	// server answered: the outcome says nothing about the server.
	conclusive bool
}

// dialTicket is handed to a caller allowed to dial; finish reports the outcome.
type dialTicket struct {
	g     *gate
	ctx   context.Context // the dialing caller's: its log events carry it
	probe *probe
	// confirming: the dial confirms an earlier failure, so its own failure
	// is final.
	confirming bool
}

// step is what a dialer does after finish.
type step int

const (
	stepDone   step = iota // the outcome stands: return it
	stepRedial             // dial again at once with the same ticket, to confirm the failure
	stepRejoin             // another dialer is confirming: enter again, which waits for its outcome
)

func newGate(interval time.Duration, logger *slog.Logger) *gate {
	return &gate{interval: interval, logger: logger, now: time.Now}
}

// enter returns a ticket to dial, or the error to fail with. confirming
// marks a dialer whose own dial already failed: its next failure is final.
func (g *gate) enter(ctx context.Context, confirming bool) (*dialTicket, error) {
	for {
		g.mu.Lock()
		if !g.stats.Down && g.probe == nil {
			return g.admitLocked(ctx, nil, confirming), nil
		}
		if retryAt := g.lastFail.Add(g.interval); g.stats.Down && g.now().Before(retryAt) {
			g.stats.FastFailures++
			err := &UnavailableError{Err: g.lastErr, RetryAt: retryAt}
			g.mu.Unlock()
			return nil, err
		}
		if g.probe == nil {
			p := &probe{done: make(chan struct{})}
			g.probe = p
			return g.admitLocked(ctx, p, confirming), nil
		}
		p := g.probe
		g.stats.Coalesced++
		g.mu.Unlock()
		select {
		case <-p.done:
			if p.conclusive && p.err != nil {
				return nil, &UnavailableError{Err: p.err, RetryAt: time.Now().Add(g.interval)}
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (while waiting for a reconnect attempt)", ctx.Err())
		}
	}
}

// admitLocked counts a dial and unlocks g.
func (g *gate) admitLocked(ctx context.Context, p *probe, confirming bool) *dialTicket {
	g.stats.Dials++
	g.stats.Dialing++
	g.mu.Unlock()
	return &dialTicket{g: g, ctx: ctx, probe: p, confirming: confirming}
}

// finish records a dial's outcome and says what the dialer does next.
// conclusive is false when the dial ended because its caller gave up, which
// tells nothing about the server.
func (t *dialTicket) finish(err error, conclusive bool) step {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stats.Dialing--
	failed := err != nil && conclusive
	if failed {
		g.stats.DialFailures++
	}
	if failed && !t.confirming && !g.stats.Down && confirmable(err) {
		if t.probe == nil && g.probe != nil {
			return stepRejoin
		}
		if t.probe == nil {
			t.probe = &probe{done: make(chan struct{})}
			g.probe = t.probe // callers arriving now wait for the confirmation
		}
		t.confirming = true
		g.stats.Dials++
		g.stats.Dialing++
		g.stats.Redials++
		return stepRedial
	}
	if t.probe != nil {
		t.probe.err, t.probe.conclusive = err, conclusive
		close(t.probe.done)
		g.probe = nil
	}
	switch {
	case err == nil:
		if g.stats.Down {
			g.log(t.ctx, slog.LevelInfo, "momoko: database available again",
				slog.Duration("down_for", g.now().Sub(g.stats.DownSince)),
				slog.Int64("fast_failures", g.stats.FastFailures))
		}
		g.stats.Down, g.stats.DownSince, g.lastErr = false, time.Time{}, nil
	case conclusive:
		g.lastErr, g.lastFail = err, g.now()
		if !g.stats.Down {
			g.stats.Down, g.stats.DownSince = true, g.lastFail
			g.log(t.ctx, slog.LevelWarn, "momoko: database not available", slog.Any("error", err),
				slog.Duration("reconnect_interval", g.interval))
		} else {
			g.log(t.ctx, slog.LevelDebug, "momoko: reconnect attempt failed", slog.Any("error", err))
		}
	}
	return stepDone
}

// confirmable reports whether a failed dial is worth confirming. One that
// ran into its timeout has already waited that long for the server; a blip
// cuts a dial at once rather than stalling it, and confirming a timeout
// would double every caller's wait in a partition.
func confirmable(err error) bool {
	return !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded)
}

func (g *gate) snapshot() ConnectorStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// log reports an event with the context of the caller it happened to, so
// that handlers find its trace; context.Background for the connector's own.
func (g *gate) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if g.logger != nil {
		g.logger.LogAttrs(ctx, level, msg, attrs...)
	}
}
