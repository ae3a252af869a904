package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// Conn is one connection of the caller's own: taken from a pool with
// GetConn or Acquire (and given back with PutConn or Manage), or opened
// alone with Connect. Its statements run in the order they were
// submitted, pipelined when they are submitted without waiting in
// between; use it for work that must stay on one connection, such as
// server-side cursors and session settings.
type Conn struct {
	pool     *Pool
	o        *owner
	own      bool // a standalone Conn: closing it closes pool
	returned atomic.Bool
	leak     *time.Timer
	lent     time.Time   // when it was handed out, for Stats.Latency.Use
	listened atomic.Bool // it may have run LISTEN: UNLISTEN before it goes back
	// streaming: rows of its Stream (or Query) are open; its connection
	// serves nothing else until they are closed.
	streaming atomic.Bool
}

// GetConnOption configures GetConn.
type GetConnOption func(*getConnOptions)

type getConnOptions struct{ noPing bool }

// WithoutPing skips GetConn's liveness check (Momoko's ping=False): the
// connection may then be one the server has already closed.
func WithoutPing() GetConnOption { return func(o *getConnOptions) { o.noPing = true } }

// getConnAttempts bounds how many connections GetConn replaces after their
// ping failed before it reports the failure. Connections found dead
// after idling in the pool (a restart or a proxy dropped them all) are
// not counted: each is gone once found, and MaxSize bounds them.
const getConnAttempts = 3

// GetConn takes a connection out of the pool for the caller's exclusive
// use, pinging it first and replacing it unseen if the ping fails. Give it
// back with PutConn, or use Manage.
//
// If ctx ends first, the future fails with ctx's error and a connection
// found just then goes back to the pool by itself: nothing needs putting
// back, also when an Await of the future gives up as ctx ends just before
// the connection arrives. A connection the caller receives must be put
// back; one a combinator drops (future.All failing, First's losers) goes
// back by itself, as does one whose future the caller Releases.
func (p *Pool) GetConn(ctx context.Context, opts ...GetConnOption) *future.Future[*Conn] {
	var o getConnOptions
	for _, opt := range opts {
		opt(&o)
	}
	ctx = nilctx.Or(ctx)
	taker := p.takerStack()
	// A connection nobody takes goes back: one found after ctx ended the
	// future or an Await gave up, or one a combinator drops.
	f, complete := future.NewWithRelease(func(c *Conn) { p.PutConn(c) })
	stop := context.AfterFunc(ctx, func() { complete(nil, ctx.Err()) })
	go func() {
		c, err := p.acquire(ctx, !o.noPing, taker)
		stop()
		complete(c, err)
	}()
	return f
}

// Acquire is GetConn for callers who wait anyway, as pgxpool's and
// database/sql's users do: it returns the connection itself. Put it back
// with PutConn (or c.Close).
func (p *Pool) Acquire(ctx context.Context) (*Conn, error) {
	ctx = nilctx.Or(ctx)
	return p.acquire(ctx, true, p.takerStack())
}

func (p *Pool) acquire(ctx context.Context, ping bool, taker []byte) (*Conn, error) {
	if err := p.awaitConnected(ctx); err != nil {
		return nil, err
	}
	var err error
	for failed, idleDeaths := 0, 0; failed < getConnAttempts && idleDeaths <= p.opts.MaxSize; {
		var o *owner
		if o, err = p.waitInLine(ctx, failed+idleDeaths > 0); err != nil {
			return nil, err
		}
		c := p.pin(o)
		if !ping {
			return p.handOut(ctx, c, taker), nil
		}
		if _, err = c.Ping(ctx).Await(ctx); err == nil {
			return p.handOut(ctx, c, taker), nil
		}
		p.PutConn(c)
		if ctx.Err() != nil {
			return nil, err
		}
		var unsent *unsentError
		if errors.As(err, &unsent) && idleDeath(unsent.cause) {
			idleDeaths++
		} else {
			failed++
		}
	}
	return nil, fmt.Errorf("%w: connections in a row failed their ping: %w", driver.ErrDatabaseNotAvailable, err)
}

// handOut gives c to the caller who asked for it (taker: where, for
// the leak warning).
func (p *Pool) handOut(ctx context.Context, c *Conn, taker []byte) *Conn {
	c.lent = time.Now()
	p.watchLeak(ctx, c, taker)
	return c
}

// pin makes o the owner of a new Conn.
func (p *Pool) pin(o *owner) *Conn {
	c := &Conn{pool: p, o: o}
	p.disp.mu.Lock()
	o.pin = c
	p.disp.mu.Unlock()
	return c
}

// waitInLine waits for an owner of the caller's own, bounded by
// AcquireTimeout as well as by ctx; again: the caller's last one failed
// its ping.
func (p *Pool) waitInLine(ctx context.Context, again bool) (*owner, error) {
	waitCtx := ctx
	if p.opts.AcquireTimeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, p.opts.AcquireTimeout)
		defer cancel()
	}
	o, err := p.disp.acquire(waitCtx, func() bool { return ctx.Err() == nil }, again)
	if err != nil && ctx.Err() == nil && waitCtx.Err() != nil {
		return nil, fmt.Errorf("%w after %v", ErrAcquireTimeout, p.opts.AcquireTimeout)
	}
	return o, err
}

// PutConn gives c back to the pool once the statements submitted on it
// have finished. A connection left inside a transaction is closed rather
// than reused. Putting back a connection twice, one of another pool, or
// after Close returns a *PoolError.
func (p *Pool) PutConn(c *Conn) error {
	if c == nil || c.pool != p || c.own {
		return &PoolError{Op: "putconn", Err: ErrForeignConn}
	}
	if !c.returned.CompareAndSwap(false, true) {
		return &PoolError{Op: "putconn", Err: ErrConnNotBusy}
	}
	if c.leak != nil {
		c.leak.Stop()
	}
	if !c.lent.IsZero() {
		p.lat.use.observe(time.Since(c.lent))
	}
	c.cleanUp()
	p.disp.release(c.o)
	if p.isClosed() {
		return &PoolError{Op: "putconn", Err: ErrPoolClosed}
	}
	return nil
}

// Manage runs fn on c and then always puts c back, also when fn panics (the
// panic becomes a *future.PanicError). A transaction fn left open is rolled
// back first.
func (p *Pool) Manage(c *Conn, fn func(*Conn) error) (err error) {
	if c == nil || c.pool != p || c.own {
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
	if !c.InTransaction() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	c.Execute(ctx, "ROLLBACK").Await(ctx)
}

// InTransaction reports whether c was inside a transaction after its last
// statement finished. It is always false with a pool made by FromDB over
// another driver, which does not say.
func (c *Conn) InTransaction() bool {
	if c == nil {
		return false
	}
	d := c.o.d
	d.mu.Lock()
	defer d.mu.Unlock()
	return c.o.txStatus != 'I' && c.o.txStatus != 0
}

// submit gives r to c's owner, in order after what c submitted before.
func (c *Conn) submit(r *request) {
	if c == nil || c.returned.Load() {
		r.done(ErrConnClosed)
		return
	}
	if c.streaming.Load() {
		r.done(ErrConnBusy)
		return
	}
	c.submitLast(r)
}

// submitLast gives r to c's owner also when c was just put back: the
// clean-up of PutConn.
func (c *Conn) submitLast(r *request) {
	if !r.ready() {
		return
	}
	d := c.o.d
	r.Queued = time.Now()
	r.watch(d)
	d.mu.Lock()
	if c.o.pin != c || c.o.broken {
		d.mu.Unlock()
		r.done(ErrConnClosed)
		return
	}
	d.assign(c.o, r)
	d.mu.Unlock()
}

// Raw runs fn with the pgx connection underneath, for COPY, LISTEN and
// other pgx-native work, after the statements submitted before it.
func (c *Conn) Raw(fn func(*pgx.Conn) error) error {
	// fn may LISTEN, unseen.
	c.listened.Store(true)
	done := make(chan error, 1)
	r := &request{Batch: engine.Batch{Ctx: context.Background()}, raw: fn}
	r.finish = func(_ []*Cursor, err error) bool { done <- err; return true }
	c.submit(r)
	return <-done
}

// Closed reports whether c was put back or closed, or its connection was
// found closed underneath.
func (c *Conn) Closed() bool {
	if c == nil || c.returned.Load() {
		return true
	}
	d := c.o.d
	d.mu.Lock()
	defer d.mu.Unlock()
	return c.o.broken
}

// Close puts a pooled connection back (as PutConn) or closes a standalone
// one.
func (c *Conn) Close() error {
	if c == nil {
		return &PoolError{Op: "close", Err: ErrConnClosed}
	}
	if !c.own {
		return c.pool.PutConn(c)
	}
	if !c.returned.CompareAndSwap(false, true) {
		return &PoolError{Op: "close", Err: ErrConnClosed}
	}
	c.pool.disp.release(c.o)
	return c.pool.Close()
}
