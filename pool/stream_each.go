package pool

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// Each streams query's rows from s (a Pool, a Conn or a Replica; see
// Pool.Stream), each made into a T by fn, one of pgx's row functions
// (pgx.RowToStructByName[User], pgx.RowTo[int64], ...):
//
//	for user, err := range pool.Each(ctx, p, pgx.RowToStructByName[User], "SELECT * FROM users") {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// An error (the statement's, or fn's) is yielded once, last. Breaking out
// of the loop closes the rows: the statement is cancelled on the server
// and the connection goes back at once.
func Each[T any](ctx context.Context, s Streamer, fn pgx.RowToFunc[T], query string, args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		ctx := nilctx.Or(ctx)
		var zero T
		rows, err := s.Stream(ctx, query, args...).Await(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			v, err := fn(rows)
			if err != nil {
				rows.Close()
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}
