package driver

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
)

type commandTagKey struct{}

// CommandTag receives the server's command tag ("INSERT 0 1", "SELECT 3")
// of a statement run through the momoko driver with a context made by
// WithCommandTag. database/sql has no way to return it; the pool's cursors
// use this.
type CommandTag struct {
	tag pgconn.CommandTag
	ok  bool
}

// WithCommandTag returns a context that records, into the returned
// *CommandTag, the command tag of the statement run with it. Use one per
// statement.
func WithCommandTag(ctx context.Context) (context.Context, *CommandTag) {
	t := &CommandTag{}
	return context.WithValue(ctx, commandTagKey{}, t), t
}

// Tag is the recorded tag; false when none was recorded (another driver,
// or the statement failed).
func (t *CommandTag) Tag() (pgconn.CommandTag, bool) { return t.tag, t.ok }

// commandTagTracer records command tags for WithCommandTag. It is the
// connector's query tracer, chained with the user's own.
type commandTagTracer struct{}

func (commandTagTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (commandTagTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if t, ok := ctx.Value(commandTagKey{}).(*CommandTag); ok && data.Err == nil {
		t.tag, t.ok = data.CommandTag, true
	}
}

// traceCommandTags chains the command-tag recorder before the user's own
// tracer, keeping every tracer interface the user's implements.
func traceCommandTags(cc *pgx.ConnConfig) {
	if cc.Tracer == nil {
		cc.Tracer = commandTagTracer{}
		return
	}
	cc.Tracer = multitracer.New(commandTagTracer{}, cc.Tracer)
}
