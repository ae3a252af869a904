package driver

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// What a pool that owns its connections for long asks of the connector,
// since database/sql's per-use hooks (ResetSession) do not run while it
// holds them.

// RefreshTypes registers on conn the types enabled on c since conn was
// opened (EnableHstore, EnableJSON through another connection).
func (c *Connector) RefreshTypes(ctx context.Context, conn *pgx.Conn) error {
	ctx = nilctx.Or(ctx)
	return c.types.apply(ctx, conn)
}

// PingAfterIdle is how long a connection may be idle before it is pinged
// on reuse; negative: never.
func (c *Connector) PingAfterIdle() time.Duration { return c.cfg.PingAfterIdle }

// Pipelines reports whether the configured query mode prepares and caches
// statements (pgx's default), the mode in which statements may be
// pipelined. The simple protocol and the exec and describe modes, used
// behind PgBouncer in transaction mode, run one statement at a time.
func (c *Connector) Pipelines() bool {
	return c.cfg.ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement
}
