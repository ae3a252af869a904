package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// takeSlot waits for the pool to be connected, then for a slot in FIFO
// order. The caller must give the slot back with p.slots.release.
func (p *Pool) takeSlot(ctx context.Context) error {
	if err := p.awaitConnected(ctx); err != nil {
		return err
	}
	return p.takeConnectedSlot(ctx)
}

// takeConnectedSlot is takeSlot for work that is part of connecting.
func (p *Pool) takeConnectedSlot(ctx context.Context) error {
	return p.waitInLine(ctx, p.slots.acquire)
}

// waitInLine runs a wait for a slot, bounded by AcquireTimeout as well as
// by ctx.
func (p *Pool) waitInLine(ctx context.Context, wait func(context.Context) error) error {
	waitCtx := ctx
	if p.opts.AcquireTimeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, p.opts.AcquireTimeout)
		defer cancel()
	}
	err := wait(waitCtx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("%w after %v", ErrAcquireTimeout, p.opts.AcquireTimeout)
	}
	return err
}

// connError is what a caller sees when database/sql could not hand it a
// connection: ErrPoolClosed once the pool is closed, else the dial's error.
func (p *Pool) connError(err error) error {
	if p.isClosed() {
		return ErrPoolClosed
	}
	return err
}

// acquire takes a slot and then a connection of the caller's own. The
// caller must hand the connection to release.
func (p *Pool) acquire(ctx context.Context) (*sql.Conn, error) {
	if err := p.awaitConnected(ctx); err != nil {
		return nil, err
	}
	return p.acquireConnected(ctx)
}

// acquireConnected is acquire for work that is part of connecting, which
// must not wait for the connecting to finish.
func (p *Pool) acquireConnected(ctx context.Context) (*sql.Conn, error) {
	if err := p.takeConnectedSlot(ctx); err != nil {
		return nil, err
	}
	for {
		conn, err := p.db.Conn(ctx)
		if err == nil {
			return conn, nil
		}
		if !p.mayWaitForBusy(err) {
			p.slots.release()
			return nil, p.connError(err)
		}
		if werr := p.waitInLine(ctx, p.slots.requeue); werr != nil {
			return nil, p.connError(werr)
		}
	}
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
	held := true
	defer func() {
		if held {
			p.slots.release()
		}
	}()
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if p.mayWaitForBusy(err) {
			werr := p.waitInLine(ctx, p.slots.requeue)
			if werr == nil {
				continue
			}
			held = false
			err = werr
		}
		var notSent *notSentError
		if errors.As(err, &notSent) {
			err = notSent.err
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			err = p.connError(err) // "sql: database is closed" once Close has run
		}
		return err
	}
}

// mayWaitForBusy reports whether a caller that failed to open a connection
// should give up its slot and wait, first in line, for a connection in use
// to come back, instead of failing (as Momoko did): when the server refused
// the connection for lack of connection slots (SQLSTATE 53300, directly or
// as the reason the database is marked down) while connections of this
// pool are in use and healthy.
func (p *Pool) mayWaitForBusy(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.TooManyConnections && p.db.Stats().InUse > 0
}

// release gives conn back to database/sql and frees its slot. A
// connection left inside a transaction is closed, so that its transaction
// ends now rather than when database/sql next reuses and discards it.
func (p *Pool) release(conn *sql.Conn) {
	if inTransaction(conn) {
		discard(conn)
	}
	conn.Close()
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
