package driver

import (
	"context"
	"database/sql/driver"
	"errors"
)

// ErrConnectionLost is returned when the connection broke after a statement
// had begun to be written: it may have taken effect, so it is not run again.
// Classify puts it in ClassConnectionLost.
var ErrConnectionLost = errors.New("momoko: connection lost while a statement was in flight; it may have run, so it was not retried")

// send runs call, which may write to the server, and decides at the point
// of failure what database/sql sees. database/sql runs a statement again on
// another connection when it gets driver.ErrBadConn, so that answer is
// given only when provably nothing was sent. "Sent" is not taken from
// pgconn.SafeToRetry: pgx v5.12 reports a connection that broke after a
// simple-protocol statement was written as closed before anything was sent.
// It is the connection's own count of bytes written, read before and after.
func send[T any](ctx context.Context, c *conn, call func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err // nothing sent: the connection and its session stay as they are
	}
	before := c.wire.written.Load()
	v, err := call()
	if err != nil {
		return zero, c.settle(ctx, err, c.wire.written.Load() != before)
	}
	return v, nil
}

// settle turns the error of a call that may have written to the server
// into the one database/sql must see.
func (c *conn) settle(ctx context.Context, err error, sent bool) error {
	closed := c.Conn().IsClosed()
	switch {
	case sent && closed:
		return lost(err)
	case ctx.Err() != nil && errors.Is(err, driver.ErrBadConn):
		// The context ended before pgx sent anything (stdlib reports that
		// as a bad connection); the connection, if still open, stays.
		return ctx.Err()
	case closed && !sent:
		return driver.ErrBadConn // nothing left the client: database/sql may run it elsewhere
	}
	return err // the server's answer, or a failure that left the connection as it was
}

// lost reports a connection that broke with a statement in flight.
func lost(err error) error {
	if errors.Is(err, driver.ErrBadConn) {
		// stdlib replaced pgx's error with ErrBadConn, which must not
		// reach database/sql: it would run the statement again.
		return ErrConnectionLost
	}
	return &lostError{err: err}
}

// lostError is ErrConnectionLost with the error that revealed the loss.
type lostError struct{ err error }

// Error names the loss and its cause.
func (e *lostError) Error() string { return ErrConnectionLost.Error() + ": " + e.err.Error() }

// Unwrap returns ErrConnectionLost and the cause.
func (e *lostError) Unwrap() []error { return []error{ErrConnectionLost, e.err} }

// SafeToRetry reports false whatever the cause claims, so that
// pgconn.SafeToRetry agrees with Classify.
func (e *lostError) SafeToRetry() bool { return false }
