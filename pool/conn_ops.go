package pool

import (
	"context"
	"database/sql"

	"github.com/momoko-go/momoko/future"
)

// Execute runs query on c; see Pool.Execute.
func (c *Conn) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	return future.GoOn(ctx, c.executor(), func(ctx context.Context) (cur *Cursor, err error) {
		err = c.use(func(sc *sql.Conn) error {
			cur, err = runStatement(ctx, onConn{sc}, query, args)
			return err
		})
		return cur, err
	})
}

// CallProc calls a function or procedure on c; see Pool.CallProc.
func (c *Conn) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	return future.GoOn(ctx, c.executor(), func(ctx context.Context) (cur *Cursor, err error) {
		err = c.use(func(sc *sql.Conn) error {
			cur, err = callProc(ctx, onConn{sc}, name, args)
			return err
		})
		return cur, err
	})
}

// Transaction runs stmts in one transaction on c; see Pool.Transaction.
func (c *Conn) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	return future.GoOn(ctx, c.executor(), func(ctx context.Context) (curs []*Cursor, err error) {
		err = c.use(func(sc *sql.Conn) error {
			curs, err = transaction(ctx, sc, stmts, opts)
			return err
		})
		return curs, err
	})
}

// Ping checks that the server answers on c.
func (c *Conn) Ping(ctx context.Context) *future.Future[struct{}] {
	return future.GoOn(ctx, c.executor(), func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.use(func(sc *sql.Conn) error { return sc.PingContext(ctx) })
	})
}

// Mogrify returns query with args interpolated as literals for c's
// standard_conforming_strings, without I/O; see Pool.Mogrify.
func (c *Conn) Mogrify(query string, args ...any) (s string, err error) {
	err = c.use(func(sc *sql.Conn) error {
		s, err = mogrify(query, standardStrings(sc), args)
		return err
	})
	return s, err
}

// executor runs c's futures: on its pool's workers, or on new goroutines
// for a standalone Conn.
func (c *Conn) executor() future.Executor {
	if c != nil && c.pool != nil {
		return c.pool.workers
	}
	return goroutines{}
}

// goroutines runs each task on a new goroutine.
type goroutines struct{}

func (goroutines) Execute(task func()) { go task() }
