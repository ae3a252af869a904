package pool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// Executor runs a statement and resolves to its Cursor: a *Pool, or a
// *Conn of one's own.
type Executor interface {
	Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor]
}

var (
	_ Executor = (*Pool)(nil)
	_ Executor = (*Conn)(nil)
)

// Collect runs query on e and resolves to its rows, each made by fn, one
// of pgx's row functions (pgx.RowToStructByName[User] matches columns to
// fields by name, pgx.RowTo[int64] takes a single column) or one's own:
//
//	users, err := pool.Collect(ctx, p, pgx.RowToStructByName[User],
//		"SELECT email, id, name FROM users").Await(ctx)
func Collect[T any](ctx context.Context, e Executor, fn pgx.RowToFunc[T], query string, args ...any) *future.Future[[]T] {
	ctx = nilctx.Or(ctx)
	return future.Then(e.Execute(ctx, query, args...), func(_ context.Context, cur *Cursor) ([]T, error) {
		return pgx.CollectRows(cur.Rows(), fn)
	})
}

// CollectOne is Collect for the first row: it resolves to that row made by
// fn, or fails with pgx.ErrNoRows (which is sql.ErrNoRows to errors.Is)
// when there is none.
func CollectOne[T any](ctx context.Context, e Executor, fn pgx.RowToFunc[T], query string, args ...any) *future.Future[T] {
	ctx = nilctx.Or(ctx)
	return future.Then(e.Execute(ctx, query, args...), func(_ context.Context, cur *Cursor) (T, error) {
		return pgx.CollectOneRow(cur.Rows(), fn)
	})
}
