package driver

import (
	"errors"
	"fmt"
	"time"
)

// ErrDatabaseNotAvailable is wrapped by the error Connect returns while the
// reconnect gate is closed: a recent dial failed and ReconnectInterval has not
// passed yet, or the one dial probing the server failed. The statement that
// asked for the connection never reached the server.
var ErrDatabaseNotAvailable = errors.New("momoko: no database connection available")

// ErrConnectorClosed is wrapped by the error Connect returns after Close.
var ErrConnectorClosed = errors.New("momoko: connector closed")

// ErrBeforeConnect is wrapped, with the hook's own error, by the error of
// a dial that Config.BeforeConnect failed (or panicked in): nothing was
// sent to the server.
var ErrBeforeConnect = errors.New("momoko: BeforeConnect failed")

// ErrHstoreNotInstalled is wrapped by the error hstore registration returns
// when the database has no hstore extension (CREATE EXTENSION hstore fixes it).
var ErrHstoreNotInstalled = errors.New("momoko: extension hstore is not installed in this database")

// UnavailableError is the error Connect returns while the database is
// considered down. It matches ErrDatabaseNotAvailable and the last dial error
// with errors.Is and errors.As.
type UnavailableError struct {
	// Err is the error of the last real dial.
	Err error
	// RetryAt is when the reconnect gate lets the next real dial through.
	RetryAt time.Time
}

// Error names the condition and the last dial error.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s (last dial: %v)", ErrDatabaseNotAvailable.Error(), e.Err)
}

// Unwrap returns ErrDatabaseNotAvailable and the last dial error.
func (e *UnavailableError) Unwrap() []error { return []error{ErrDatabaseNotAvailable, e.Err} }

// SafeToRetry reports true: the statement never left the client, so
// pgconn.SafeToRetry agrees with Classify.
func (e *UnavailableError) SafeToRetry() bool { return true }

// ConfigError reports a bad DSN key or Config field. Its message names the key
// and, for momoko's own keys, the offending value; it never contains a password.
type ConfigError struct {
	Key string // DSN key or Config field name
	Err error
}

// Error names the key and the problem.
func (e *ConfigError) Error() string { return fmt.Sprintf("momoko: invalid %s: %v", e.Key, e.Err) }

// Unwrap returns the underlying parse error.
func (e *ConfigError) Unwrap() error { return e.Err }

// SetSessionError reports a setsession statement that failed on a new
// connection. The connection has been closed.
type SetSessionError struct {
	Index     int    // position in Config.SetSession
	Statement string // the statement as configured
	Err       error  // usually a *pgconn.PgError
}

// Error names the statement and its error.
func (e *SetSessionError) Error() string {
	return fmt.Sprintf("momoko: setsession statement %d (%q) failed: %v", e.Index, e.Statement, e.Err)
}

// Unwrap returns the statement's error.
func (e *SetSessionError) Unwrap() error { return e.Err }
