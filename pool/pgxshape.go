package pool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// pgx's shape: Exec, Query and QueryRow with the signatures of pgx.Conn
// and pgxpool.Pool, so that code written for them (sqlc's generated
// queries for pgx/v5 take a DBTX of exactly these three) runs on a Pool or
// a Conn unchanged. Exec and QueryRow are Execute awaited: concurrent
// callers' fast statements share round trips on a pipelined connection,
// which no pgx pool does. Query is Stream awaited: its rows are read from
// its connection as they come, in constant memory.

// Exec runs sql with args and returns its command tag, as pgx's Exec.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return execOn(ctx, p, sql, args)
}

// Query runs sql with args and returns its rows, streamed (see Stream),
// as pgx's Query. Close them, as pgx's. An error is also reported by the
// rows' Err, so that code which checks only Err finds it. Through FromDB
// (another driver, which cannot stream) the rows are the buffered result.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if p.connector == nil {
		return queryOn(ctx, p, sql, args)
	}
	return awaitStream(ctx, p, sql, args)
}

// QueryRow runs sql with args for its first row, as pgx's QueryRow: the
// row's Scan reports the statement's error, or pgx.ErrNoRows when it
// returned none.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return queryRowOn(ctx, p, sql, args)
}

// Exec is Pool.Exec on the Conn, in order with its other statements.
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return execOn(ctx, c, sql, args)
}

// Query is Pool.Query on the Conn, in order with its other statements.
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if c != nil && c.pool.connector == nil {
		return queryOn(ctx, c, sql, args)
	}
	return awaitStream(ctx, c, sql, args)
}

// QueryRow is Pool.QueryRow on the Conn, in order with its other
// statements.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return queryRowOn(ctx, c, sql, args)
}

func execOn(ctx context.Context, e Executor, sql string, args []any) (pgconn.CommandTag, error) {
	ctx = nilctx.Or(ctx)
	cur, err := e.Execute(ctx, sql, args...).Await(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return pgconn.NewCommandTag(cur.CommandTag()), nil
}

// awaitStream is Stream awaited, as pgx's Query.
func awaitStream(ctx context.Context, s Streamer, sql string, args []any) (pgx.Rows, error) {
	ctx = nilctx.Or(ctx)
	rows, err := s.Stream(ctx, sql, args...).Await(ctx)
	if err != nil {
		return &cursorRows{c: &Cursor{}, err: err, closed: true}, err
	}
	return rows, nil
}

// queryOn is Execute awaited, its cursor as pgx's rows.
func queryOn(ctx context.Context, e Executor, sql string, args []any) (pgx.Rows, error) {
	ctx = nilctx.Or(ctx)
	cur, err := e.Execute(ctx, sql, args...).Await(ctx)
	if err != nil {
		return &cursorRows{c: &Cursor{}, err: err, closed: true}, err
	}
	return cur.Rows(), nil
}

func queryRowOn(ctx context.Context, e Executor, sql string, args []any) pgx.Row {
	rows, err := queryOn(ctx, e, sql, args)
	return firstRow{rows: rows, err: err}
}

// firstRow is pgx.Row over the first row of a result.
type firstRow struct {
	rows pgx.Rows
	err  error
}

func (r firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Err()
}
