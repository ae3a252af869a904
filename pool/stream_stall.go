package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// stallGuard gives up the connection of a stream or a COPY that is
// waiting for the server, and has been for cancelGrace, after the
// statement was cancelled (its context ended, or its rows were closed
// early). A connection caught in a partition answers neither the
// statement nor its CancelRequest, and pgx, given a context that never
// ends, would wait on it for ever; the pipeline's owner gives up such a
// connection the same way (see watchProgress).
//
// Reads go between begin and end, on one goroutine at a time. During a
// long read (a COPY's), the caller's own source or writer runs between
// pause and resume: the COPY waits for the caller there, not for the
// server, and each of its calls shows that data moves.
type stallGuard struct {
	pg      *pgconn.PgConn
	reading atomic.Bool
	paused  atomic.Int32
	ticks   atomic.Uint64 // counts begins, ends, pauses and resumes

	mu      sync.Mutex
	armed   bool
	stopped bool
	killed  bool
	timer   *time.Timer
	stopCtx func() bool
}

// guardStall makes the guard of work on pg, armed when ctx ends.
func guardStall(ctx context.Context, pg *pgconn.PgConn) *stallGuard {
	g := &stallGuard{pg: pg}
	if ctx.Done() != nil {
		g.stopCtx = context.AfterFunc(ctx, g.cancelled)
	}
	return g
}

func (g *stallGuard) begin() {
	g.ticks.Add(1)
	g.reading.Store(true)
}

func (g *stallGuard) end() {
	g.reading.Store(false)
	g.ticks.Add(1)
}

func (g *stallGuard) pause() {
	g.paused.Add(1)
	g.ticks.Add(1)
}

func (g *stallGuard) resume() {
	g.ticks.Add(1)
	g.paused.Add(-1)
}

// cancelled arms the guard: the statement was cancelled.
func (g *stallGuard) cancelled() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed || g.stopped {
		return
	}
	g.armed = true
	g.watch(g.ticks.Load())
}

// watch checks, cancelGrace from now, whether a read has been waiting
// since ticks was seen; g.mu is held.
func (g *stallGuard) watch(seen uint64) {
	g.timer = time.AfterFunc(cancelGrace, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.stopped {
			return
		}
		now := g.ticks.Load()
		if now == seen && g.reading.Load() && g.paused.Load() == 0 {
			// The read fails, and pgx closes the connection.
			g.killed = true
			g.pg.Conn().SetDeadline(time.Now())
			return
		}
		g.watch(now)
	})
}

// stop ends the guard once the work is done. A deadline set just as the
// last read ended, and not yet met, is lifted.
func (g *stallGuard) stop() {
	if g.stopCtx != nil {
		g.stopCtx()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
	if g.killed && !g.pg.IsClosed() {
		g.pg.Conn().SetDeadline(time.Time{})
	}
}
