package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"

	"github.com/momoko-go/momoko/future"
)

// Execute runs query with args ($1, $2, ... or one pgx.NamedArgs) on a
// pooled connection and resolves to its buffered result. The connection
// is back in the pool before the future resolves. A statement that
// provably never reached the server (its connection was found dead first)
// runs again on another connection.
//
// Execute runs every statement through QueryContext, so sqlmock users
// expect it with ExpectQuery.
func (p *Pool) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (cur *Cursor, err error) {
		err = p.withSlot(ctx, func() error {
			cur, err = runStatement(ctx, onPool{p}, query, args)
			return err
		})
		return cur, err
	})
}

// CallProc calls the function or procedure name with args and resolves to
// its result: a function runs as SELECT * FROM name($1, ...), a procedure
// as CALL name($1, ...). name may be schema-qualified ("billing.close");
// each part is quoted as an identifier, so it is matched exactly, case
// included, and cannot inject SQL.
func (p *Pool) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (cur *Cursor, err error) {
		err = p.withSlot(ctx, func() error {
			cur, err = callProc(ctx, onPool{p}, name, args)
			return err
		})
		return cur, err
	})
}

// Ping checks that the server answers on a pooled connection.
func (p *Pool) Ping(ctx context.Context) *future.Future[struct{}] {
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.withConn(ctx, func(c *sql.Conn) error {
			err := c.PingContext(ctx)
			if errors.Is(err, sqldriver.ErrBadConn) {
				return &notSentError{err: err} // a ping is always safe to repeat
			}
			return err
		})
	})
}

// Mogrify resolves to query with args interpolated as PostgreSQL literals,
// quoted for the server's standard_conforming_strings setting, which it
// reads from a pooled connection. It is a debugging and logging aid: run
// queries with parameters, never with mogrified text.
func (p *Pool) Mogrify(ctx context.Context, query string, args ...any) *future.Future[string] {
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (s string, err error) {
		err = p.withConn(ctx, func(c *sql.Conn) error {
			s, err = mogrify(query, standardStrings(c), args)
			return err
		})
		return s, err
	})
}
