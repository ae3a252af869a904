package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// takeSlot waits for the pool to be connected, then for a slot in FIFO
// order. The caller must give the slot back with p.slots.release.
func (p *Pool) takeSlot(ctx context.Context) error {
	if err := p.awaitConnected(ctx); err != nil {
		return err
	}
	waitCtx := ctx
	if p.opts.AcquireTimeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, p.opts.AcquireTimeout)
		defer cancel()
	}
	if err := p.slots.acquire(waitCtx); err != nil {
		return p.acquireError(ctx, err)
	}
	return nil
}

// acquire takes a slot and then a connection of the caller's own. The
// caller must hand the connection to release.
func (p *Pool) acquire(ctx context.Context) (*sql.Conn, error) {
	if err := p.takeSlot(ctx); err != nil {
		return nil, err
	}
	conn, err := p.db.Conn(ctx)
	if err != nil {
		p.slots.release()
		return nil, p.acquireError(ctx, err)
	}
	return conn, nil
}

// withSlot runs fn, which runs statements on the *sql.DB, while holding a
// slot: the slots keep database/sql from ever queueing (randomly) and the
// statements from needing a connection of their own. database/sql itself
// runs again, on another connection, a statement that never reached the
// server.
func (p *Pool) withSlot(ctx context.Context, fn func() error) error {
	if err := p.takeSlot(ctx); err != nil {
		return err
	}
	defer p.slots.release()
	err := fn()
	var notSent *notSentError
	if errors.As(err, &notSent) {
		return notSent.err
	}
	return err
}

func (p *Pool) acquireError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, sql.ErrConnDone), p.isClosed():
		return ErrPoolClosed
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return fmt.Errorf("%w after %v", ErrAcquireTimeout, p.opts.AcquireTimeout)
	}
	return err
}

// release gives conn back to database/sql and frees its slot. A
// connection that may be broken or inside a transaction is discarded by
// database/sql instead (the driver's ResetSession sees to that).
func (p *Pool) release(conn *sql.Conn) {
	p.releaseMu.RLock()
	conn.Close()
	p.releaseMu.RUnlock()
	p.slots.release()
}

// sendAttempts bounds how often a statement that provably never reached
// the server is run again on another connection.
const sendAttempts = 3

// withConn runs fn on a pooled connection and always releases it. When fn
// fails because its statement never reached the server (a connection found
// dead before anything was sent), fn runs again on another connection:
// Momoko's transparent retry, made safe.
func (p *Pool) withConn(ctx context.Context, fn func(*sql.Conn) error) error {
	var err error
	for range sendAttempts {
		var conn *sql.Conn
		if conn, err = p.acquire(ctx); err != nil {
			return err
		}
		err = fn(conn)
		p.release(conn)
		var notSent *notSentError
		if !errors.As(err, &notSent) {
			return err
		}
		err = notSent.err
		if ctx.Err() != nil {
			break
		}
	}
	return err
}
