package pool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// Execute runs query on c after what c runs already; see Pool.Execute.
func (c *Conn) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	ctx = nilctx.Or(ctx)
	if c == nil {
		return future.Failed[*Cursor](ErrConnClosed)
	}
	if sqltext.IsListen(query) {
		c.listened.Store(true)
	}
	f, complete := future.New[*Cursor]()
	r := c.pool.statement(ctx, query, args, false)
	r.finish = oneCursor(complete)
	c.submit(r)
	return f
}

// CallProc calls a function or procedure on c; see Pool.CallProc.
func (c *Conn) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	if c == nil {
		return future.Failed[*Cursor](ErrConnClosed)
	}
	return c.pool.callProc(ctx, c, name, args)
}

// Transaction runs stmts in one transaction on c; see Pool.Transaction.
func (c *Conn) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	ctx = nilctx.Or(ctx)
	if c == nil {
		return future.Failed[[]*Cursor](ErrConnClosed)
	}
	r, err := c.pool.transaction(ctx, stmts, opts, false)
	if err != nil {
		return future.Failed[[]*Cursor](err)
	}
	f, complete := future.New[[]*Cursor]()
	r.finish = complete
	c.submit(r)
	return f
}

// Ping checks that the server answers on c.
func (c *Conn) Ping(ctx context.Context) *future.Future[struct{}] {
	ctx = nilctx.Or(ctx)
	if c == nil {
		return future.Failed[struct{}](ErrConnClosed)
	}
	f, complete := future.New[struct{}]()
	r := &request{Batch: engine.Batch{Ctx: ctx, Ping: true}}
	r.finish = func(_ []*Cursor, err error) bool { return complete(struct{}{}, err) }
	c.submit(r)
	return f
}

// Mogrify returns query with args interpolated as literals for c's
// standard_conforming_strings, read without I/O; see Pool.Mogrify.
func (c *Conn) Mogrify(query string, args ...any) (string, error) {
	if c == nil || c.Closed() {
		return "", ErrConnClosed
	}
	if c.pool.connector == nil {
		return sqltext.Mogrify(query, true, args)
	}
	scs := true
	if err := c.Raw(func(conn *pgx.Conn) error {
		scs = standardStrings(conn)
		return nil
	}); err != nil {
		return "", err
	}
	return sqltext.Mogrify(query, scs, args)
}
