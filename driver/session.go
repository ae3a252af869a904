package driver

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// setupError marks an error from preparing a connection the server accepted,
// so that Connect does not count it as the database being down.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

// closeTimeout bounds the goodbye to a connection that failed its setup.
const closeTimeout = time.Second

// afterConnect prepares a new connection: setsession, types, then the user's
// hook. stdlib does not close a connection whose AfterConnect fails, so this
// does.
func (c *Connector) afterConnect(ctx context.Context, conn *pgx.Conn) error {
	err := runSetSession(ctx, conn, c.cfg.SetSession)
	if err == nil {
		err = c.types.apply(ctx, conn)
	}
	if err == nil && c.cfg.AfterConnect != nil {
		err = c.cfg.AfterConnect(ctx, conn)
	}
	if err != nil {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		_ = conn.Close(closeCtx) // the setup error is what the caller needs
		return &setupError{err: err}
	}
	return nil
}

// runSetSession runs stmts in one transaction, as Momoko did.
func runSetSession(ctx context.Context, conn *pgx.Conn, stmts []string) error {
	if len(stmts) == 0 {
		return nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("momoko: setsession begin: %w", err)
	}
	for i, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			_ = tx.Rollback(ctx) // the connection is closed next anyway
			return &SetSessionError{Index: i, Statement: s, Err: err}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("momoko: setsession commit: %w", err)
	}
	return nil
}

// resetSession runs when database/sql reuses a connection, after stdlib's
// checks and ping: it brings the connection's types up to date. A failure
// discards the connection (database/sql ignores other errors here) and a
// fresh connection then reports the problem through Connect, unless the
// caller's context ended first: the connection stays, the caller gets the
// context's error.
func (c *Connector) resetSession(ctx context.Context, conn *pgx.Conn) error {
	if err := c.types.apply(ctx, conn); err != nil {
		if ctx.Err() != nil && !conn.IsClosed() {
			return ctx.Err()
		}
		c.gate.log(ctx, slog.LevelWarn, "momoko: discarding a connection whose type registration failed", slog.Any("error", err))
		return driver.ErrBadConn
	}
	return nil
}

// shouldPing applies PingAfterIdle.
func (c *Connector) shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	d := c.cfg.PingAfterIdle
	switch {
	case d < 0:
		return false
	case d == 0:
		return true
	default:
		return p.IdleDuration > d
	}
}
