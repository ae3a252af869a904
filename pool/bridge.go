package pool

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/engine"
)

// The bridge between the scheduler and a connection's engine: the owner
// goroutine is the engine's only caller, and what the pool knows that the
// engine needs (the shared decoding types, where statement times go, the
// tracer's extra interface, how a lost connection's error reads) goes in
// through its Config.

// newEngine makes the engine of o's pgx connection.
func (o *owner) newEngine(conn *pgx.Conn) *engine.Engine {
	p := o.d.p
	cfg := engine.Config{
		StatementPrefix: "momoko_" + strconv.FormatUint(o.id, 10) + "_",
		Types:           &p.decode,
		ServerTime:      p.speeds.record,
		Lost:            connectionLost,
		Writers:         p.writers,
		TimeRoundTrips:  true,
	}
	if t, ok := conn.Config().Tracer.(QueryTimesTracer); ok {
		cfg.QueryTimes = func(ctx context.Context, conn *pgx.Conn, times engine.Times) {
			t.TraceQueryTimes(ctx, conn, QueryTimes(times))
		}
	}
	return engine.New(conn, cfg)
}

// requestOf is the request a batch the engine read belongs to.
func requestOf(b *engine.Batch) *request { return b.Caller.(*request) }
