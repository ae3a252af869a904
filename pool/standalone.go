package pool

import (
	"context"
	"log/slog"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// ConnOptions configure a standalone connection.
type ConnOptions struct {
	// SetSession statements run in one transaction once the connection is
	// open; they are added to any given by the DSN.
	SetSession []string
	// Logger receives connection events. Default: no logging.
	Logger *slog.Logger
}

// Connect opens one connection outside any pool (Momoko's
// momoko.connect). Close it when done.
func Connect(ctx context.Context, dsn string, opts ConnOptions) *future.Future[*Conn] {
	p, err := New(dsn, Options{SetSession: opts.SetSession, Logger: opts.Logger, PingAfterIdle: -1})
	if err != nil {
		return future.Failed[*Conn](err)
	}
	p.connected.Store(true) // nothing to wait for: the one connection is dialed below
	ctx = nilctx.Or(ctx)
	// A connection nobody takes (ctx ended, a combinator dropped it) is
	// closed, as GetConn's go back.
	f, complete := future.NewWithRelease(func(c *Conn) { c.Close() })
	go func() {
		c, err := p.acquire(ctx, false, nil)
		if err != nil {
			p.Close()
			complete(nil, err)
			return
		}
		c.own = true
		complete(c, nil)
	}()
	return f
}
