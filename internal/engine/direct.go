package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/future"
)

// What pgx runs itself, with nothing else in flight: a function on the
// connection (a Conn's Raw, a lend), and statements that do not pipeline.

// RunRaw runs fn on the engine's connection. A panic in it is caught
// here, on the engine's goroutine, and becomes the error.
func (w *Engine) RunRaw(fn func(*pgx.Conn) error) (err error) {
	w.isolationRefused = false // fn may change the session
	defer func() {
		if v := recover(); v != nil {
			err = &future.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(w.conn)
}

// rollbackTimeout bounds the ROLLBACK after a failed statement of a
// transaction pgx runs, whose caller may have given up.
const rollbackTimeout = 5 * time.Second

// RunDirect runs b's statements through pgx's own Query, for what does
// not pipeline: the simple protocol (several statements in one string,
// PgBouncer's transaction pooling), exec modes, and arguments that change
// how pgx runs a query. pgx watches the caller's context itself.
func (w *Engine) RunDirect(b *Batch) error {
	w.isolationRefused = false // a simple-protocol string may change the session
	if err := b.Ctx.Err(); err != nil {
		return err
	}
	b.TrimTx = b.Begin != ""
	for i := range b.count() {
		if err := QueryDirect(b.Ctx, w.conn, w.cfg.Types, b.sqlAt(i), b.argsAt(i), b.newResult()); err != nil {
			b.dropResult()
			if b.Begin != "" && i > 0 && !w.pg.IsClosed() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(b.Ctx), rollbackTimeout)
				w.conn.Exec(rctx, "ROLLBACK")
				cancel()
			}
			return err
		}
	}
	return nil
}

// QueryDirect runs one statement on conn through pgx's Query, its rows
// into res, decoded with types; for a function given the connection.
func QueryDirect(ctx context.Context, conn *pgx.Conn, types *SharedTypes, sql string, args []any, res *Result) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("momoko: encoding an argument panicked: %v", v)
		}
	}()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := append([]pgconn.FieldDescription(nil), rows.FieldDescriptions()...)
	res.setFields(fields, types.cover(conn.TypeMap(), fields))
	for rows.Next() {
		if err := res.appendRow(rows.RawValues()); err != nil {
			rows.Close() // reads the rest, so that the connection goes on
			if rowsErr := rows.Err(); rowsErr != nil {
				return rowsErr
			}
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	res.SetTag(rows.CommandTag().String())
	return nil
}
