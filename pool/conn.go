package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
)

// Conn is one connection: taken from a pool with GetConn (and given back
// with PutConn or Manage), or opened alone with Connect. Its futures run
// one statement at a time, as a connection does; use it for work that must
// stay on one connection, such as server-side cursors.
type Conn struct {
	pool      *Pool             // nil for a standalone Conn
	db        *sql.DB           // owned by a standalone Conn
	connector *driver.Connector // nil when the pool came from FromDB
	sc        *sql.Conn

	mu       sync.Mutex // one statement at a time
	returned atomic.Bool
	broken   atomic.Bool // the connection underneath was closed
	leak     *time.Timer
}

// GetConnOption configures GetConn.
type GetConnOption func(*getConnOptions)

type getConnOptions struct{ noPing bool }

// WithoutPing skips GetConn's liveness check (Momoko's ping=False): the
// connection may then be one the server has already closed.
func WithoutPing() GetConnOption { return func(o *getConnOptions) { o.noPing = true } }

// getConnAttempts bounds how many dead idle connections GetConn replaces
// before it reports the failure.
const getConnAttempts = 3

// GetConn takes a connection out of the pool for the caller's exclusive
// use, pinging it first and replacing it unseen if the ping fails. Give it
// back with PutConn, or use Manage.
//
// If ctx ends before a connection is found, the future fails and nothing
// needs putting back. A caller that stops waiting through Await's own,
// shorter context must still take the connection (Await again) and put it
// back.
func (p *Pool) GetConn(ctx context.Context, opts ...GetConnOption) *future.Future[*Conn] {
	var o getConnOptions
	for _, opt := range opts {
		opt(&o)
	}
	taker := p.takerStack()
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (*Conn, error) {
		var err error
		for range getConnAttempts {
			var sc *sql.Conn
			if sc, err = p.acquire(ctx); err != nil {
				return nil, err
			}
			if o.noPing {
				return p.checkOutFor(ctx, sc, taker)
			}
			if err = sc.PingContext(ctx); err == nil {
				return p.checkOutFor(ctx, sc, taker)
			}
			discard(sc)
			p.release(sc)
			if ctx.Err() != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("%w: %d connections in a row failed their ping", driver.ErrDatabaseNotAvailable, getConnAttempts)
	})
}

// checkOutFor hands sc to the caller of GetConn, unless the caller has
// given up meanwhile: nobody could then put it back.
func (p *Pool) checkOutFor(ctx context.Context, sc *sql.Conn, taker []byte) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		p.release(sc)
		return nil, err
	}
	return p.checkOut(sc, taker), nil
}

func (p *Pool) checkOut(sc *sql.Conn, taker []byte) *Conn {
	c := &Conn{pool: p, connector: p.connector, sc: sc}
	p.watchLeak(c, taker)
	return c
}

// PutConn gives c back to the pool. A connection left inside a
// transaction is closed rather than reused. Putting back a connection
// twice, one of another pool, or after Close returns a *PoolError.
func (p *Pool) PutConn(c *Conn) error {
	if c == nil || c.pool != p {
		return &PoolError{Op: "putconn", Err: ErrForeignConn}
	}
	if !c.returned.CompareAndSwap(false, true) {
		return &PoolError{Op: "putconn", Err: ErrConnNotBusy}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leak != nil {
		c.leak.Stop()
	}
	p.release(c.sc)
	if p.isClosed() {
		return &PoolError{Op: "putconn", Err: ErrPoolClosed}
	}
	return nil
}

// Manage runs fn on c and then always puts c back, also when fn panics (the
// panic becomes a *future.PanicError). A transaction fn left open is rolled
// back first.
func (p *Pool) Manage(c *Conn, fn func(*Conn) error) (err error) {
	if c == nil || c.pool != p {
		return &PoolError{Op: "manage", Err: ErrForeignConn}
	}
	if c.returned.Load() {
		return &PoolError{Op: "manage", Err: ErrConnNotBusy}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &future.PanicError{Value: r, Stack: debug.Stack()}
		}
		c.rollbackOpen()
		if putErr := p.PutConn(c); err == nil {
			err = putErr
		}
	}()
	return fn(c)
}

// rollbackOpen rolls back a transaction left open on c; if that fails,
// PutConn closes the connection.
func (c *Conn) rollbackOpen() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inTransaction(c.sc) {
		ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
		defer cancel()
		c.sc.ExecContext(ctx, "ROLLBACK")
	}
}

// inTransaction reports whether a pgx connection is inside a transaction.
func inTransaction(sc *sql.Conn) bool {
	in := false
	sc.Raw(func(dc any) error {
		if s, ok := dc.(pgxConner); ok {
			in = s.Conn().PgConn().TxStatus() != 'I'
		}
		return nil
	})
	return in
}

// use runs fn with the connection locked, failing if c was put back.
func (c *Conn) use(fn func(sc *sql.Conn) error) error {
	if c == nil {
		return ErrConnClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.returned.Load() || c.broken.Load() {
		return ErrConnClosed
	}
	err := fn(c.sc)
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrConnectionLost) {
		c.broken.Store(true)
	}
	return err
}

// Raw runs fn with the pgx connection underneath, for COPY, LISTEN and
// other pgx-native work.
func (c *Conn) Raw(fn func(*pgx.Conn) error) error {
	return c.use(func(sc *sql.Conn) error { return rawPgx(sc, fn) })
}

// pgxConner is a driver connection with pgx underneath: the momoko
// driver's, or pgx stdlib's.
type pgxConner interface{ Conn() *pgx.Conn }

func rawPgx(sc *sql.Conn, fn func(*pgx.Conn) error) error {
	return sc.Raw(func(dc any) error {
		s, ok := dc.(pgxConner)
		if !ok {
			return ErrNeedsMomokoDriver
		}
		return fn(s.Conn())
	})
}

// Closed reports whether c was put back or closed, or its connection was
// found closed underneath (after a failed transaction, say).
func (c *Conn) Closed() bool { return c == nil || c.returned.Load() || c.broken.Load() }

// Close puts a pooled connection back (as PutConn) or closes a standalone
// one.
func (c *Conn) Close() error {
	if c == nil {
		return &PoolError{Op: "close", Err: ErrConnClosed}
	}
	if c.pool != nil {
		return c.pool.PutConn(c)
	}
	if !c.returned.CompareAndSwap(false, true) {
		return &PoolError{Op: "close", Err: ErrConnClosed}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.sc.Close(), c.db.Close())
}
