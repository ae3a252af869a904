package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// Class says what a caller can do about an error.
type Class int

const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassPermanent: retrying the same thing gives the same error (bad SQL,
	// constraint violation, bad password, the caller's own cancellation).
	ClassPermanent
	// ClassSafeToRetry: the statement provably never reached the server
	// (failed dial, fast failure while the database is down, write that sent
	// nothing), so running it again cannot apply it twice.
	ClassSafeToRetry
	// ClassConnectionLost: the connection broke after the statement may have
	// been sent; whether it took effect is unknown. Retry only idempotent work,
	// or check first.
	ClassConnectionLost
	// ClassRetryTransaction: serialization failure or deadlock (SQLSTATE
	// 40001, 40P01). The transaction was rolled back; run the whole
	// transaction again.
	ClassRetryTransaction
)

var classNames = [...]string{"none", "permanent", "safe to retry", "connection lost", "retry transaction"}

// String returns the class in words.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return "unknown"
	}
	return classNames[c]
}

// Classify sorts err into a Class. It understands errors from this package,
// pgx (*pgconn.PgError with its SQLSTATE, *pgconn.ConnectError,
// pgconn.SafeToRetry, pgconn.Timeout), database/sql (driver.ErrBadConn) and
// the network.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, ErrConnectorClosed) {
		return ClassPermanent
	}
	if errors.Is(err, ErrConnectionLost) {
		return ClassConnectionLost
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || errors.Is(err, ErrBeforeConnect) {
		return classifyConnect(err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyState(pgErr.Code)
	}
	if errors.Is(err, ErrDatabaseNotAvailable) || errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) {
		return ClassSafeToRetry
	}
	if pgconn.Timeout(err) || isNetworkError(err) {
		return ClassConnectionLost
	}
	return ClassPermanent
}

// classifyConnect handles a failed dial (BeforeConnect's failures
// included): nothing was sent, so it is safe to retry unless the server
// refused for a reason that will not go away or the caller gave up.
func classifyConnect(err error) Class {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == pgerrcode.InvalidCatalogName || pgerrcode.IsInvalidAuthorizationSpecification(pgErr.Code) {
			return ClassPermanent
		}
	}
	if errors.Is(err, context.Canceled) {
		return ClassPermanent
	}
	return ClassSafeToRetry
}

func classifyState(code string) Class {
	switch code {
	case pgerrcode.SerializationFailure, pgerrcode.DeadlockDetected:
		return ClassRetryTransaction
	case pgerrcode.StatementCompletionUnknown, pgerrcode.AdminShutdown, pgerrcode.CrashShutdown, pgerrcode.CannotConnectNow,
		pgerrcode.IdleSessionTimeout, pgerrcode.IdleInTransactionSessionTimeout:
		return ClassConnectionLost
	}
	if pgerrcode.IsConnectionException(code) {
		return ClassConnectionLost
	}
	return ClassPermanent
}

func isNetworkError(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
