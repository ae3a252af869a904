package pool

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// monitor is a connection of the checks' own to one server, so that a
// check never waits behind reads in the server's pool and a busy standby
// is not taken for a dead one. It is dialed when needed and closed after
// any error, to be dialed again by the next check. One goroutine at a
// time uses it.
type monitor struct {
	cfg  *driver.Config // dialed as the pool's connections are: BeforeConnect runs first
	conn *pgx.Conn
}

func newMonitor(cfg *driver.Config) *monitor {
	c := *cfg
	c.ConnConfig = cfg.ConnConfig.Copy()
	return &monitor{cfg: &c}
}

// query runs sql and scans its one row into dest.
func (mo *monitor) query(ctx context.Context, sql string, dest ...any) error {
	if mo.conn == nil {
		cfg, err := mo.cfg.DialConfig(ctx)
		if err != nil {
			return err
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return err
		}
		mo.conn = conn
	}
	err := mo.conn.QueryRow(ctx, sql, pgx.QueryExecModeSimpleProtocol).Scan(dest...)
	if err != nil {
		mo.close()
	}
	return err
}

func (mo *monitor) close() {
	if mo.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = mo.conn.Close(ctx)
	mo.conn = nil
}
