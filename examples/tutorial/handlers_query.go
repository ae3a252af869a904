package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/momoko-go/momoko/future"
)

// parallelDelay is how long each of the parallel page's queries sleeps on
// the server, long enough for the total to show they overlapped.
const parallelDelay = 200 * time.Millisecond

// query is the tutorial's first handler: one query, one cursor.
func (a *app) query(ctx context.Context, w io.Writer) error {
	cur, err := a.db.Execute(ctx, "SELECT 1").Await(ctx)
	if err != nil {
		return err
	}
	var n int
	if err := cur.FetchOne(&n); err != nil {
		return err
	}
	fmt.Fprintf(w, "Results: %d\n", n)
	return nil
}

// parallel starts three queries before waiting for any of them, as the
// tutorial yields a list of futures; the pool runs each on its own
// connection, so the page takes one delay, not three.
func (a *app) parallel(ctx context.Context, w io.Writer) error {
	const q = "SELECT $1::int FROM pg_sleep($2)"
	start := time.Now()
	f1 := a.db.Execute(ctx, q, 1, parallelDelay.Seconds())
	f2 := a.db.Execute(ctx, q, 2, parallelDelay.Seconds())
	f3 := a.db.Execute(ctx, q, 3, parallelDelay.Seconds())
	cursors, err := future.All(ctx, f1, f2, f3)
	if err != nil {
		return err
	}
	for i, cur := range cursors {
		fmt.Fprintf(w, "Q%d: %v\n", i+1, cur.FetchAll())
	}
	fmt.Fprintf(w, "3 queries sleeping %v each took %v together\n",
		parallelDelay, time.Since(start).Round(time.Millisecond))
	return nil
}

// mogrify shows the literal SQL a query and its arguments amount to: a
// debugging aid, never a way to build queries.
func (a *app) mogrify(ctx context.Context, w io.Writer) error {
	s, err := a.db.Mogrify(ctx, "SELECT $1, $2, $3, $4, $5",
		"O'Reilly", 42, 2.5, true, nil).Await(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, s)
	return nil
}
