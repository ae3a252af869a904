package pool

import (
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// connError is what a caller sees when database/sql could not hand an
// owner a connection: ErrPoolClosed once the pool is closed, else the
// dial's error.
func (p *Pool) connError(err error) error {
	if p.isClosed() {
		return ErrPoolClosed
	}
	if isDBClosed(err) {
		return fmt.Errorf("%w: its *sql.DB was closed by other code (tools such as golang-migrate's Close close the *sql.DB they are given): %w", ErrPoolClosed, err)
	}
	return err
}

// isDBClosed reports whether err is database/sql's for a closed *sql.DB,
// which it does not export.
func isDBClosed(err error) bool { return err != nil && err.Error() == "sql: database is closed" }

// mayWaitForBusy reports whether callers whose connection could not be
// opened should wait, first in line, for a connection in use instead of
// failing (as Momoko did): when the server refused it for lack of
// connection slots (SQLSTATE 53300, directly or as the reason the database
// is marked down) while others of the pool's connections are alive.
func (p *Pool) mayWaitForBusy(err error, others int) bool {
	var pgErr *pgconn.PgError
	return others > 0 && errors.As(err, &pgErr) && pgErr.Code == pgerrcode.TooManyConnections
}
