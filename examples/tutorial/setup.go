package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/pool"
)

// setup creates the function the callproc page calls and registers hstore
// and JSON on every connection of the pool. Everything it creates is
// idempotent, so the tutorial can start again on the same database.
func (a *app) setup(ctx context.Context) error {
	_, err := a.db.Transaction(ctx, []pool.Statement{
		{SQL: "CREATE SCHEMA IF NOT EXISTS momoko_tutorial"},
		{SQL: `CREATE OR REPLACE FUNCTION momoko_tutorial.add_ints(a integer, b integer)
			RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'`},
	}).Await(ctx)
	if err != nil {
		return fmt.Errorf("create the tutorial's function: %w", err)
	}
	if err := a.registerHstore(ctx); err != nil {
		return err
	}
	if _, err := a.db.RegisterJSON(ctx).Await(ctx); err != nil {
		return fmt.Errorf("register json: %w", err)
	}
	return nil
}

// registerHstore registers hstore, creating the extension first when the
// database lacks it (which needs the CREATE privilege on the database).
func (a *app) registerHstore(ctx context.Context) error {
	_, err := a.db.RegisterHstore(ctx).Await(ctx)
	if !errors.Is(err, driver.ErrHstoreNotInstalled) {
		return err
	}
	if _, err := a.db.Execute(ctx, "CREATE EXTENSION IF NOT EXISTS hstore").Await(ctx); err != nil {
		return fmt.Errorf("hstore is not installed and cannot be: %w", err)
	}
	_, err = a.db.RegisterHstore(ctx).Await(ctx)
	return err
}
