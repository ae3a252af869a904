package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// stallGuard sees a stream or a COPY through its cancellation (its
// context ended, or its rows were closed early). A CancelRequest that
// reaches the server before the statement does finds the server process
// idle between statements, and is dropped: the guard sends it again every
// cancelGrace while the statement goes on, data moving, or waits for the
// server. And a connection caught in a partition answers neither the
// statement nor its CancelRequests, and pgx, given a context that never
// ends, would wait on it for ever: the guard gives it up when nothing has
// come for cancelGrace since the CancelRequest was sent again, as the
// pipeline's owner gives up a connection that makes no progress after a
// cancel (see watchProgress).
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
	resent  bool // sent again as the read stalled
	killed  bool
	timer   *time.Timer
	stopCtx func() bool
	sending sync.WaitGroup // CancelRequests sent again, on their way
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

// watch looks, cancelGrace from now, at what the statement did since
// ticks was seen; g.mu is held.
func (g *stallGuard) watch(seen uint64) {
	g.timer = time.AfterFunc(cancelGrace, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.stopped {
			return
		}
		now := g.ticks.Load()
		stalled := now == seen && g.reading.Load() && g.paused.Load() == 0
		switch {
		case stalled && g.resent:
			// Caught in a partition: the read fails, and pgx closes the
			// connection.
			g.killed = true
			g.pg.Conn().SetDeadline(time.Now())
			return
		case stalled || now != seen:
			// The statement goes on: its CancelRequest may have been
			// dropped.
			g.resent = stalled
			g.sending.Add(1)
			go func() {
				defer g.sending.Done()
				ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
				defer cancel()
				g.pg.CancelRequest(ctx)
			}()
		}
		g.watch(now)
	})
}

// stop ends the guard once the work is done, when the CancelRequests it
// sent have reached the server: none may land on the connection's next
// statement. A deadline set just as the last read ended, and not yet met,
// is lifted.
func (g *stallGuard) stop() {
	if g.stopCtx != nil {
		g.stopCtx()
	}
	g.mu.Lock()
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
	if g.killed && !g.pg.IsClosed() {
		g.pg.Conn().SetDeadline(time.Time{})
	}
	g.mu.Unlock()
	g.sending.Wait()
}
