package pool

import (
	"context"
	"log/slog"

	"github.com/momoko-go/momoko/future"
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
	return future.Go(ctx, func(ctx context.Context) (*Conn, error) {
		c, err := p.acquire(ctx, false, nil)
		if err != nil {
			p.Close()
			return nil, err
		}
		c.own = true
		return c, nil
	})
}
