package driver

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5/stdlib"
)

// stmt is a prepared statement on a conn: its runs decide what database/sql
// sees as the connection's own statements do.
type stmt struct {
	std *stdlib.Stmt
	c   *conn
}

var (
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
)

// ExecContext runs the prepared statement.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return send(ctx, s.c, func() (driver.Result, error) {
		return s.std.ExecContext(ctx, args)
	})
}

// QueryContext runs the prepared statement and reads its first row.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return send(ctx, s.c, func() (driver.Rows, error) {
		return s.std.QueryContext(ctx, args)
	})
}

// Exec is not supported, as in stdlib: database/sql uses ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) { return s.std.Exec(args) }

// Query is not supported, as in stdlib: database/sql uses QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) { return s.std.Query(args) }

// NumInput is the number of parameters.
func (s *stmt) NumInput() int { return s.std.NumInput() }

// Close deallocates the statement when no other database/sql statement
// shares it.
func (s *stmt) Close() error { return s.std.Close() }
