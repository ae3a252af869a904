package main

import (
	"context"
	"fmt"
	"io"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgserver"
)

// database returns the DSN to use and a function that releases what
// database started: nothing for a given DSN, the throwaway server otherwise.
func database(ctx context.Context, dsn string, out io.Writer) (string, func() error, error) {
	if dsn != "" {
		fmt.Fprintf(out, "database %s\n", driver.Redact(dsn))
		return dsn, func() error { return nil }, nil
	}
	srv, err := pgserver.Start(ctx, pgserver.Options{})
	if err != nil {
		return "", nil, fmt.Errorf("no -dsn given and no throwaway server: %w", err)
	}
	fmt.Fprintf(out, "started a throwaway PostgreSQL (%s) at %s\n", srv.Kind(), srv.Addr())
	fmt.Fprintf(out, "database %s\n", driver.Redact(srv.DSN()))
	return srv.DSN(), srv.Close, nil
}
