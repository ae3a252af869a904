package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// conn is the connection a Connector hands database/sql: pgx's stdlib
// connection, whose paths that may write to the server (statements,
// prepared statements, transactions, ping) decide at the point of failure
// what database/sql sees (see send). Code reaching pgx through
// (*sql.Conn).Raw uses its Conn method, as with *stdlib.Conn.
type conn struct {
	std      *stdlib.Conn
	wire     *meteredConn
	created  time.Time
	dialFrom time.Time // when its dial began, before BeforeConnect
}

// The interfaces database/sql looks for; the compiler checks them here.
var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
)

// Conn returns the *pgx.Conn underneath, for COPY, LISTEN/NOTIFY and other
// pgx-native work through (*sql.Conn).Raw.
func (c *conn) Conn() *pgx.Conn { return c.std.Conn() }

// CreatedAt is when the connection was dialed: a pool that bounds the
// lifetime of its connections counts from it, also for a connection that
// database/sql's own callers used first.
func (c *conn) CreatedAt() time.Time { return c.created }

// DialStartedAt is when the connection's dial began, before BeforeConnect
// chose its credential: a pool that replaces its connections (Reset) tells
// by it whether one was made with the configuration of before.
func (c *conn) DialStartedAt() time.Time { return c.dialFrom }

// ExecContext runs a statement.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return send(ctx, c, func() (driver.Result, error) { return c.std.ExecContext(ctx, query, args) })
}

// QueryContext runs a statement and reads its first row; later rows arrive
// through the returned rows.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return send(ctx, c, func() (driver.Rows, error) { return c.std.QueryContext(ctx, query, args) })
}

// PrepareContext prepares a statement on the server.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := send(ctx, c, func() (driver.Stmt, error) { return c.std.PrepareContext(ctx, query) })
	if err != nil {
		return nil, err
	}
	return &stmt{std: s.(*stdlib.Stmt), c: c}, nil // stdlib's only kind
}

// Prepare is PrepareContext without a context.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// BeginTx starts a transaction.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	t, err := send(ctx, c, func() (driver.Tx, error) { return c.std.BeginTx(ctx, opts) })
	if err != nil {
		return nil, err
	}
	return &tx{std: t, c: c, ctx: ctx}, nil
}

// Begin is BeginTx with default options and no context.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// Ping checks the connection. Unlike a statement, a ping lost in flight
// changed nothing on the server, so its failure is driver.ErrBadConn:
// database/sql may ping another connection.
func (c *conn) Ping(ctx context.Context) error {
	_, err := send(ctx, c, func() (struct{}, error) { return struct{}{}, c.Conn().Ping(ctx) })
	if errors.Is(err, ErrConnectionLost) {
		return driver.ErrBadConn
	}
	return err
}

// ResetSession runs before database/sql reuses the connection, with the
// next caller's context: stdlib's checks and ping, then the Connector's
// type updates. A context that has already ended leaves the connection as
// it is (database/sql keeps it; the caller's statement then fails with the
// context's error without sending anything): only a dead connection, one
// left inside a transaction or one whose types cannot be updated is
// discarded.
func (c *conn) ResetSession(ctx context.Context) error {
	if err := ctx.Err(); err != nil && c.idle() {
		return err
	}
	err := c.std.ResetSession(ctx)
	if errors.Is(err, driver.ErrBadConn) && ctx.Err() != nil && c.idle() {
		return ctx.Err() // the context ended before stdlib's ping was sent
	}
	return err
}

// IsValid reports whether database/sql may keep the connection: a
// connection that broke during its last call is closed by pgx.
func (c *conn) IsValid() bool { return !c.Conn().IsClosed() }

// CheckNamedValue accepts every argument: pgx converts them itself.
func (c *conn) CheckNamedValue(v *driver.NamedValue) error { return c.std.CheckNamedValue(v) }

// Close closes the connection.
func (c *conn) Close() error { return c.std.Close() }

// idle reports that the connection is open and outside a transaction.
func (c *conn) idle() bool {
	pc := c.Conn()
	return !pc.IsClosed() && pc.PgConn().TxStatus() == 'I'
}
