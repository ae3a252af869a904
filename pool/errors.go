package pool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/momoko-go/momoko/internal/engine"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrPoolClosed: the pool was closed. Every waiting and later call
	// resolves with it.
	ErrPoolClosed = errors.New("momoko: connection pool is closed")
	// ErrConnNotBusy: PutConn of a connection that is not checked out,
	// such as one put back twice.
	ErrConnNotBusy = errors.New("momoko: connection is not checked out")
	// ErrForeignConn: PutConn or Manage of a connection from another pool
	// or from the standalone Connect.
	ErrForeignConn = errors.New("momoko: connection belongs to another pool")
	// ErrConnClosed: a call on a Conn that was put back or closed.
	ErrConnClosed = errors.New("momoko: connection is closed")
	// ErrAcquireTimeout: no connection within Options.AcquireTimeout.
	ErrAcquireTimeout = errors.New("momoko: timed out waiting for a connection")
	// ErrTooManyWaiting: Options.MaxWaiting callers were already waiting
	// for a connection, so the call failed at once instead of joining
	// them. Nothing of it was sent: run it again later, with back-off, or
	// pass the overload on (an HTTP 503); raise MaxWaiting or MaxSize if
	// such bursts are expected.
	ErrTooManyWaiting = errors.New("momoko: too many callers waiting for a connection (Options.MaxWaiting); nothing was sent: retry later, with back-off")
	// ErrTransactionLeftOpen: a statement run on the pool (Execute,
	// CallProc) opened a transaction; its connection was closed, which
	// rolled it back. Use Transaction, or GetConn for a connection of one's
	// own.
	ErrTransactionLeftOpen = errors.New("momoko: the statement left a transaction open on a pooled connection; it was rolled back (use Transaction, or GetConn)")
	// ErrCopyNeedsRaw: a COPY FROM STDIN or TO STDOUT run with Execute or
	// in a Transaction, which have no data to send and keep no data they
	// receive; use CopyFrom or CopyTo (or Conn.Raw with pgx's own).
	ErrCopyNeedsRaw = engine.ErrCopyNeedsRaw
	// ErrCannotSend: the statement cannot be put into PostgreSQL's
	// protocol (65,536 arguments or more, a message over 1 GiB, a NUL byte
	// in the SQL text). It failed before anything of it was written, alone:
	// the connection, its transaction and the statements around it are
	// untouched.
	ErrCannotSend = engine.ErrCannotSend
	// ErrConnBusy: a statement given to a Conn while rows of its Stream
	// (or pgx-shaped Query) are open. The connection serves nothing else
	// until they are closed or read to their end; waiting for it there
	// would wait for ever. Nothing was sent.
	ErrConnBusy = errors.New("momoko: the Conn is busy: rows of its Stream or Query are open; close them first")
	// ErrListenOnPool: LISTEN through the pool's Execute, whose
	// connection goes back at once: nobody would receive its
	// notifications but a later borrower. Use Pool.Listen, or LISTEN on a
	// Conn from GetConn.
	ErrListenOnPool = errors.New("momoko: LISTEN on a pooled connection would reach a later borrower, not the caller (use Listen, or GetConn)")
	// ErrNeedsMomokoDriver: the call needs the momoko driver's connector,
	// which a pool made by FromDB does not have.
	ErrNeedsMomokoDriver = errors.New("momoko: needs a pool opened by New or Open (the momoko driver)")
)

// PoolError is a misuse of the pool, such as closing it twice; Err is one
// of the sentinels above.
type PoolError struct {
	Op  string
	Err error
}

// Error says which call was misused and how.
func (e *PoolError) Error() string {
	return "momoko: " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), "momoko: ")
}

// Unwrap returns the sentinel.
func (e *PoolError) Unwrap() error { return e.Err }

// PartiallyConnectedError is returned by Connect when some of the Size
// connections failed to open. The pool is usable and repairs them in the
// background. errors.Is and errors.As see every failure.
type PartiallyConnectedError struct {
	Failed int     // how many connections failed
	Size   int     // how many were attempted
	Errs   []error // one per failure
}

// Error gives the count of failures and the first one.
func (e *PartiallyConnectedError) Error() string {
	msg := fmt.Sprintf("momoko: %d of %d connection(s) failed to connect", e.Failed, e.Size)
	if len(e.Errs) > 0 {
		msg += ": " + e.Errs[0].Error()
	}
	return msg
}

// Unwrap returns each failure.
func (e *PartiallyConnectedError) Unwrap() []error { return e.Errs }
