package pool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/engine"
)

// What a borrower leaves on a connection and what the pool does about it
// when the connection goes back (PutConn, Manage, and the end of WithConn,
// BeginFunc and Raw):
//
//   - a transaction left open is rolled back by Manage; otherwise the
//     connection is closed;
//   - LISTEN: UNLISTEN * runs when the borrower may have listened (a
//     Conn's Execute of LISTEN, any Conn.Raw or Pool.Raw, LISTEN through
//     WithConn or BeginFunc), so that no later borrower receives its
//     notifications; LISTEN through the pool's own Execute, whose
//     connection is shared, fails with ErrListenOnPool;
//   - session settings (SET), temporary tables, prepared statements of
//     one's own, advisory locks: kept. Reset what you change, or use
//     Options.AfterRelease (RESET ALL, DISCARD TEMP,
//     pg_advisory_unlock_all(); not DISCARD ALL nor DEALLOCATE ALL, which
//     drop the pool's own prepared statements).

// cleanUp submits, ahead of c's release, what its borrower's session
// needs undone: it runs after c's other work, before anyone else's.
// c was put back by the caller just now.
func (c *Conn) cleanUp() {
	listened := c.listened.Load()
	after := c.pool.opts.AfterRelease
	if !listened && after == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	r := &request{Batch: engine.Batch{Ctx: ctx}, raw: func(conn *pgx.Conn) error {
		if listened && conn.PgConn().TxStatus() == 'I' {
			if _, err := conn.Exec(ctx, "UNLISTEN *"); err != nil {
				return err
			}
		}
		if after != nil && !after(conn) {
			// Closing it is how AfterRelease refuses a connection: the
			// owner finds it closed and replaces it.
			return conn.Close(ctx)
		}
		return nil
	}}
	r.finish = func([]*Cursor, error) bool { cancel(); return true }
	c.submitLast(r)
}
