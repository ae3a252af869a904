package pool

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/future"
)

// runRaw runs a function on the pgx connection for a Conn's Raw. A panic
// in it is caught here, on the owner's goroutine, and becomes the error.
func runRaw(r *request, conn *pgx.Conn) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &future.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return r.raw(conn)
}

// runDirect runs a request's statements through pgx's own Query, for what
// does not pipeline: the simple protocol (several statements in one
// string, PgBouncer's transaction pooling), exec modes, and arguments that
// change how pgx runs a query. pgx watches the caller's context itself.
func runDirect(r *request, conn *pgx.Conn, decode *decodeTypes) error {
	if err := r.Ctx.Err(); err != nil {
		return err
	}
	r.TrimTx = r.Begin != ""
	n := r.Count()
	for i := range n {
		cur, err := queryDirect(r.Ctx, conn, decode, r.SQLAt(i), r.ArgsAt(i))
		if err != nil {
			if r.Begin != "" && i > 0 && !conn.PgConn().IsClosed() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(r.Ctx), rollbackTimeout)
				conn.Exec(rctx, "ROLLBACK")
				cancel()
			}
			return err
		}
		r.curs = append(r.curs, cur)
	}
	return nil
}

func queryDirect(ctx context.Context, conn *pgx.Conn, decode *decodeTypes, sql string, args []any) (cur *Cursor, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("momoko: encoding an argument panicked: %v", v)
		}
	}()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cur = &Cursor{}
	fields := append([]pgconn.FieldDescription(nil), rows.FieldDescriptions()...)
	cur.setFields(fields, decode.cover(conn.TypeMap(), fields))
	for rows.Next() {
		if err := cur.appendRow(rows.RawValues()); err != nil {
			rows.Close() // reads the rest, so that the connection goes on
			if rowsErr := rows.Err(); rowsErr != nil {
				return nil, rowsErr
			}
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cur.setTag(rows.CommandTag().String())
	return cur, nil
}
