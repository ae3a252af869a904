package future

import (
	"context"
	"database/sql"
)

// Queryer runs a query that returns rows. *sql.DB, *sql.Conn and *sql.Tx
// implement it.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Execer runs a statement that returns no rows. *sql.DB, *sql.Conn and
// *sql.Tx implement it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Query runs query on q in a new goroutine (see Go) and returns a future of
// its rows, each turned into a T by scan, in order. The rows are scanned
// inside that goroutine and always closed, which returns the connection to
// its pool, also when scan fails or panics or ctx is cancelled. No rows give
// an empty slice.
//
// A *sql.Conn or *sql.Tx runs one query at a time: futures meant to run in
// parallel need a *sql.DB, which gives each its own connection.
func Query[T any](ctx context.Context, q Queryer, scan func(*sql.Rows) (T, error), query string, args ...any) *Future[[]T] {
	if err := checkQuery("Query", q, scan); err != nil {
		return Failed[[]T](err)
	}
	return Go(ctx, func(ctx context.Context) ([]T, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := make([]T, 0)
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			// database/sql notices a cancelled ctx in a goroutine of its
			// own; stop at the next row rather than whenever it does.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return out, rows.Close()
	})
}

// QueryRow runs query on q in a new goroutine (see Go) and returns a future
// of its first row turned into a T by scan; further rows are discarded. No
// rows fail the future with sql.ErrNoRows. The rows are always closed, as
// with Query.
func QueryRow[T any](ctx context.Context, q Queryer, scan func(*sql.Rows) (T, error), query string, args ...any) *Future[T] {
	if err := checkQuery("QueryRow", q, scan); err != nil {
		return Failed[T](err)
	}
	return Go(ctx, func(ctx context.Context) (T, error) {
		var zero T
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return zero, err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return zero, err
			}
			return zero, sql.ErrNoRows
		}
		v, err := scan(rows)
		if err != nil {
			return zero, err
		}
		if err := rows.Close(); err != nil {
			return zero, err
		}
		return v, nil
	})
}

// Exec runs query on e in a new goroutine (see Go) and returns a future of
// its result.
func Exec(ctx context.Context, e Execer, query string, args ...any) *Future[sql.Result] {
	if e == nil {
		return Failed[sql.Result](nilArgument("Exec", "e"))
	}
	return Go(ctx, func(ctx context.Context) (sql.Result, error) {
		return e.ExecContext(ctx, query, args...)
	})
}

// ScanValue is a scan function for Query and QueryRow that reads a row of
// one column into a T.
func ScanValue[T any](rows *sql.Rows) (T, error) {
	var v T
	err := rows.Scan(&v)
	return v, err
}

func checkQuery[T any](fn string, q Queryer, scan func(*sql.Rows) (T, error)) error {
	switch {
	case q == nil:
		return nilArgument(fn, "q")
	case scan == nil:
		return nilArgument(fn, "scan")
	}
	return nil
}
