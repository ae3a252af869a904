package main

import (
	"context"
	"fmt"
	"io"

	"github.com/momoko-go/momoko/pool"
)

const (
	cursorRows  = 1000 // rows behind the server-side cursor
	cursorChunk = 100  // rows per FETCH
)

// cursor walks a server-side cursor in chunks. A cursor lives inside one
// transaction on one connection, so the handler takes a connection of its
// own with GetConn; Manage gives it back whatever happens, rolling back the
// transaction if the handler leaves it open.
func (a *app) cursor(ctx context.Context, w io.Writer) error {
	conn, err := a.db.GetConn(ctx).Await(ctx)
	if err != nil {
		return err
	}
	return a.db.Manage(conn, func(c *pool.Conn) error {
		if _, err := c.Execute(ctx, "BEGIN").Await(ctx); err != nil {
			return err
		}
		_, err := c.Execute(ctx, "DECLARE all_ints CURSOR FOR SELECT n FROM generate_series(1, $1::int) n",
			cursorRows).Await(ctx)
		if err != nil {
			return err
		}
		// FETCH takes no parameters; the count is a constant of ours.
		fetch := fmt.Sprintf("FETCH %d FROM all_ints", cursorChunk)
		rows, chunks, sum := 0, 0, 0
		for {
			cur, err := c.Execute(ctx, fetch).Await(ctx)
			if err != nil {
				return err
			}
			if cur.Len() == 0 {
				break
			}
			chunks++
			for cur.Len() > 0 {
				var n int
				if err := cur.FetchOne(&n); err != nil {
					return err
				}
				rows++
				sum += n
			}
		}
		for _, q := range []string{"CLOSE all_ints", "COMMIT"} {
			if _, err := c.Execute(ctx, q).Await(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "fetched %d rows in %d chunks of %d, sum %d\n", rows, chunks, cursorChunk, sum)
		return nil
	})
}
