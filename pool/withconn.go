package pool

import (
	"context"
	"database/sql"
	"runtime/debug"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// WithConn runs fn with one of the pool's connections as a *sql.Conn, for
// existing database/sql code (sqlc's generated queries take one as their
// DBTX). The connection is taken in the pool's FIFO order, like any
// call's, and is the caller's only while fn runs; the future resolves to
// fn's error. fn must close the rows and end the transactions it opens: a
// connection left inside a transaction is closed rather than reused.
// With a pool made by FromDB, fn gets database/sql's own connection.
func (p *Pool) WithConn(ctx context.Context, fn func(*sql.Conn) error) *future.Future[struct{}] {
	return future.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.withSQLConn(ctx, fn)
	})
}

// Raw runs fn with one of the pool's pgx connections, alone on it, for
// COPY and other pgx-native work; the future resolves to fn's error. A
// connection fn leaves inside a transaction is closed rather than reused;
// UNLISTEN * follows fn, so that no later caller receives notifications
// for what fn listened to. It fails with ErrNeedsMomokoDriver on a pool
// over another driver.
func (p *Pool) Raw(ctx context.Context, fn func(*pgx.Conn) error) *future.Future[struct{}] {
	ctx = nilctx.Or(ctx)
	f, r := rawRequest(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		err := fn(conn)
		// fn may have listened, unseen: the next caller must not receive
		// its notifications.
		if conn.PgConn().IsClosed() || conn.PgConn().TxStatus() != 'I' {
			return err
		}
		if _, unErr := conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *"); err == nil {
			err = unErr
		}
		return err
	})
	r.Shared = true
	p.run(r)
	return f
}

// withSQLConn takes a connection in line and runs fn on it as a *sql.Conn.
func (p *Pool) withSQLConn(ctx context.Context, fn func(*sql.Conn) error) error {
	c, err := p.acquire(ctx, false, p.takerStack())
	if err != nil {
		return err
	}
	defer p.PutConn(c)
	return c.withSQLConn(ctx, fn)
}

// withSQLConn runs fn on c's connection, on c's owner, after what was
// submitted on c before.
func (c *Conn) withSQLConn(ctx context.Context, fn func(*sql.Conn) error) error {
	guarded := func(sc *sql.Conn) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &future.PanicError{Value: v, Stack: debug.Stack()}
			}
		}()
		return fn(sc)
	}
	done := make(chan error, 1)
	r := &request{Batch: engine.Batch{Ctx: ctx}, sqlConn: guarded}
	// The owner's driver connection is set before the Conn is handed out
	// and read on the owner's goroutine.
	r.raw = func(*pgx.Conn) error { return lendSQLConn(ctx, c.o.dc, guarded) }
	r.finish = func(_ []*Cursor, err error) bool { done <- err; return true }
	c.submit(r)
	return <-done
}
