package driver

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
)

type commandTagKey struct{}

// CommandTag receives what became of a statement run through the momoko
// driver with a context made by WithCommandTag: its command tag ("INSERT 0
// 1", "SELECT 3"), which database/sql has no way to return. The pool's
// cursors use this.
type CommandTag struct {
	tag       pgconn.CommandTag
	ok        bool
	closeInTx bool // close a connection the statement leaves in a transaction
	leftInTx  bool
}

// WithCommandTag returns a context that records, into t, the outcome of
// the statement run with it. Use one per statement; the zero CommandTag is
// ready to use.
func WithCommandTag(ctx context.Context, t *CommandTag) context.Context {
	return context.WithValue(ctx, commandTagKey{}, t)
}

// Tag is the recorded tag; false when none was recorded (another driver,
// or the statement failed).
func (t *CommandTag) Tag() (pgconn.CommandTag, bool) { return t.tag, t.ok }

// CloseInTransaction makes the driver close the connection if the
// statement leaves it inside a transaction (a BEGIN run on a pool), so
// that the server rolls back at once instead of holding locks until the
// connection is next reused and discarded.
func (t *CommandTag) CloseInTransaction() { t.closeInTx = true }

// LeftInTransaction reports that the statement left its connection inside a
// transaction and CloseInTransaction had it closed.
func (t *CommandTag) LeftInTransaction() bool { return t.leftInTx }

// closeTransactionTimeout bounds the goodbye to a connection closed for
// being left inside a transaction.
const closeTransactionTimeout = time.Second

// setupContext is ctx for the driver's own statements on a connection
// (setsession, type lookups), run while database/sql hands the caller's
// context down: they must not fill in the caller's CommandTag.
func setupContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, commandTagKey{}, (*CommandTag)(nil))
}

// statementTag is the CommandTag of the statement run with ctx, or nil.
func statementTag(ctx context.Context) *CommandTag {
	t, _ := ctx.Value(commandTagKey{}).(*CommandTag)
	return t
}

// tagTracer returns the pgx tracer that records statement outcomes for
// WithCommandTag, combined with the user's.
func tagTracer(user pgx.QueryTracer) pgx.QueryTracer {
	if user == nil {
		return commandTagTracer{}
	}
	return multitracer.New(commandTagTracer{}, user)
}

type commandTagTracer struct{}

func (commandTagTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (commandTagTracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t := statementTag(ctx); t != nil {
		recordOutcome(t, conn, data)
	}
}

func recordOutcome(t *CommandTag, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	t.tag, t.ok = data.CommandTag, data.Err == nil
	if t.closeInTx && !conn.IsClosed() && conn.PgConn().TxStatus() != 'I' {
		t.leftInTx = true
		closeCtx, cancel := context.WithTimeout(context.Background(), closeTransactionTimeout)
		defer cancel()
		conn.Close(closeCtx) // IsValid then has database/sql discard it
	}
}
