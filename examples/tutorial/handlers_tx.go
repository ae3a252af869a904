package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/momoko-go/momoko/pool"
)

// transaction runs three statements in one transaction and prints what each
// returned; then a transaction that fails halfway, which rolls back.
func (a *app) transaction(ctx context.Context, w io.Writer) error {
	cursors, err := a.db.Transaction(ctx, []pool.Statement{
		{SQL: "CREATE TEMP TABLE basket (item text, qty int) ON COMMIT DROP"},
		{SQL: "INSERT INTO basket VALUES ($1, $2), ($3, $4)", Args: []any{"apples", 3, "pears", 2}},
		{SQL: "SELECT item, qty FROM basket ORDER BY item"},
	}).Await(ctx)
	if err != nil {
		return err
	}
	for i, cur := range cursors {
		fmt.Fprintf(w, "statement %d: %s", i+1, cur.CommandTag())
		if len(cur.Columns()) > 0 {
			fmt.Fprintf(w, " %v", cur.FetchAll())
		}
		fmt.Fprintln(w)
	}

	_, err = a.db.Transaction(ctx, []pool.Statement{
		{SQL: "CREATE TEMP TABLE doomed (n int) ON COMMIT DROP"},
		{SQL: "SELECT 1 / 0"},
	}).Await(ctx)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.DivisionByZero {
		return fmt.Errorf("a transaction dividing by zero should fail with SQLSTATE %s, got: %v",
			pgerrcode.DivisionByZero, err)
	}
	fmt.Fprintf(w, "a failing transaction rolled back: %s (SQLSTATE %s)\n", pgErr.Message, pgErr.Code)
	return nil
}

// callproc calls the function setup created, as Momoko's callproc did.
func (a *app) callproc(ctx context.Context, w io.Writer) error {
	cur, err := a.db.CallProc(ctx, "momoko_tutorial.add_ints", 20, 22).Await(ctx)
	if err != nil {
		return err
	}
	var sum int
	if err := cur.FetchOne(&sum); err != nil {
		return err
	}
	fmt.Fprintf(w, "momoko_tutorial.add_ints(20, 22) = %d\n", sum)
	return nil
}
