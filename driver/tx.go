package driver

import (
	"context"
	"database/sql/driver"
)

// tx is a transaction on a conn. A COMMIT lost in flight is
// ErrConnectionLost: whether the transaction committed is unknown.
type tx struct {
	std driver.Tx
	c   *conn
	ctx context.Context // BeginTx's, which stdlib uses for COMMIT and ROLLBACK
}

// Commit commits the transaction.
func (t *tx) Commit() error {
	before := t.c.wire.written.Load()
	if err := t.std.Commit(); err != nil {
		return t.c.settle(t.ctx, err, t.c.wire.written.Load() != before)
	}
	return nil
}

// Rollback rolls the transaction back. A ROLLBACK lost in flight has the
// same outcome as one that arrived, so its error is passed on as pgx gave it.
func (t *tx) Rollback() error { return t.std.Rollback() }
