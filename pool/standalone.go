package pool

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/momoko-go/momoko/driver"
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
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		return future.Failed[*Conn](err)
	}
	cfg.SetSession = append(cfg.SetSession, opts.SetSession...)
	if opts.Logger != nil {
		cfg.Logger = opts.Logger
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return future.Failed[*Conn](err)
	}
	return future.Go(ctx, func(ctx context.Context) (*Conn, error) {
		db := sql.OpenDB(connector)
		db.SetMaxOpenConns(1)
		sc, err := db.Conn(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		return &Conn{db: db, connector: connector, sc: sc}, nil
	})
}
