package driver

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"
)

type commandTagKey struct{}

// CommandTag receives what became of a statement run through the momoko
// driver with a context made by WithCommandTag: its command tag ("INSERT 0
// 1", "SELECT 3"), which database/sql has no way to return, and whether the
// connection broke while it was in flight. The pool's cursors use this.
type CommandTag struct {
	tag  pgconn.CommandTag
	ok   bool
	lost bool
}

// WithCommandTag returns a context that records, into the returned
// *CommandTag, the outcome of the statement run with it. Use one per
// statement.
func WithCommandTag(ctx context.Context) (context.Context, *CommandTag) {
	t := &CommandTag{}
	return context.WithValue(ctx, commandTagKey{}, t), t
}

// Tag is the recorded tag; false when none was recorded (another driver,
// or the statement failed).
func (t *CommandTag) Tag() (pgconn.CommandTag, bool) { return t.tag, t.ok }

// LostInFlight reports that the connection broke after the statement was
// sent: it may have run, although database/sql sees driver.ErrBadConn, which
// normally means it did not.
func (t *CommandTag) LostInFlight() bool { return t.lost }

func recordOutcome(ctx context.Context, tag pgconn.CommandTag, err error, lost bool) {
	if t, ok := ctx.Value(commandTagKey{}).(*CommandTag); ok {
		t.tag, t.ok, t.lost = tag, err == nil, lost
	}
}
