package driver

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrConnectionLost is returned instead of a retry when the connection broke
// while a statement was in flight: it may have taken effect, so it is not run
// again. Classify puts it in ClassConnectionLost.
var ErrConnectionLost = errors.New("momoko: connection lost while a statement was in flight; it may have run, so it was not retried")

// guardTTL bounds how long a lost statement waits for database/sql's retry,
// which follows at once in the same goroutine.
const guardTTL = 10 * time.Second

// retryGuard stops database/sql from re-running a statement that did reach
// the server. For a statement without arguments pgx uses the simple protocol,
// and when the connection breaks while it awaits the result, pgx v5.12 reports
// "conn closed", an error pgconn.SafeToRetry accepts. stdlib then returns
// driver.ErrBadConn and database/sql runs the statement again on another
// connection. The guard's tracer sees the statement end that way on a
// connection that was open when it started, and remembers the caller's
// context; database/sql's retry comes back with that context through
// ResetSession or Connect, which then refuse with ErrConnectionLost.
type retryGuard struct {
	mu   sync.Mutex
	lost map[context.Context]time.Time
	// pending mirrors len(lost), so that the check on every connection
	// reuse costs one atomic load while nothing was lost.
	pending atomic.Int32
}

type queryStartKey struct{}

type queryStart struct {
	ctx          context.Context // the caller's, as database/sql passes it on
	closedBefore bool
}

// tracer returns the pgx tracer that feeds the guard and records statement
// outcomes for WithCommandTag, combined with the user's.
func (g *retryGuard) tracer(user pgx.QueryTracer) pgx.QueryTracer {
	t := guardTracer{g: g}
	if user == nil {
		return t
	}
	return multitracer.New(t, user)
}

type guardTracer struct{ g *retryGuard }

func (t guardTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	start := queryStart{ctx: ctx, closedBefore: conn.IsClosed()}
	if tag := statementTag(ctx); tag != nil {
		tag.start = start // no context of its own to allocate
		return ctx
	}
	return context.WithValue(ctx, queryStartKey{}, &start)
}

func (t guardTracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	var qs *queryStart
	tag := statementTag(ctx)
	if tag != nil {
		qs = &tag.start
	} else if start, ok := ctx.Value(queryStartKey{}).(*queryStart); ok {
		qs = start
	}
	lost := qs != nil && qs.ctx != nil && !qs.closedBefore && errors.Is(data.Err, pgconn.ErrConnClosed) && pgconn.SafeToRetry(data.Err)
	if lost {
		t.g.mark(qs.ctx)
	}
	if tag != nil {
		tag.start = queryStart{} // keep no context alive
		recordOutcome(tag, conn, data, lost)
	}
}

func (g *retryGuard) mark(ctx context.Context) {
	if !reflect.TypeOf(ctx).Comparable() {
		return
	}
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lost == nil {
		g.lost = make(map[context.Context]time.Time)
	}
	for c, at := range g.lost {
		if now.Sub(at) > guardTTL {
			delete(g.lost, c)
		}
	}
	g.lost[ctx] = now
	g.pending.Store(int32(len(g.lost)))
}

// check reports whether ctx belongs to a statement lost in flight; consume
// forgets it.
func (g *retryGuard) check(ctx context.Context, consume bool) bool {
	if g.pending.Load() == 0 || !reflect.TypeOf(ctx).Comparable() {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.lost[ctx]
	if !ok {
		return false
	}
	fresh := time.Since(at) <= guardTTL
	if consume || !fresh {
		delete(g.lost, ctx)
		g.pending.Store(int32(len(g.lost)))
	}
	return fresh
}
