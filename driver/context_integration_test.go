package driver_test

import (
	"context"
	"errors"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
)

// TestEndedContextKeepsSession: a call given a context that has already
// ended sends nothing and returns the context's error; the connection and
// its session (a temporary table, a prepared statement) are still there.
func TestEndedContextKeepsSession(t *testing.T) {
	ctx := testContext(t)
	db, _ := openDB(t, pgtest.Shared(t).NewDatabase(t), nil)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pid := backendPID(t, ctx, conn)
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE kept (n int)"); err != nil {
		t.Fatal(err)
	}
	stmt, err := conn.PrepareContext(ctx, "INSERT INTO kept VALUES ($1)")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()

	ended, cancel := context.WithCancel(ctx)
	cancel()
	calls := map[string]func() error{
		"Exec without arguments": func() error { _, err := conn.ExecContext(ended, "INSERT INTO kept VALUES (1)"); return err },
		"Exec with arguments":    func() error { _, err := conn.ExecContext(ended, "INSERT INTO kept VALUES ($1)", 1); return err },
		"Query": func() error {
			rows, err := conn.QueryContext(ended, "SELECT n FROM kept")
			if err == nil {
				rows.Close()
			}
			return err
		},
		"Prepare":       func() error { _, err := conn.PrepareContext(ended, "SELECT n FROM kept"); return err },
		"prepared Exec": func() error { _, err := stmt.ExecContext(ended, 1); return err },
		"BeginTx":       func() error { _, err := conn.BeginTx(ended, nil); return err },
		"Ping":          func() error { return conn.PingContext(ended) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with an ended context: %v, want context.Canceled", name, err)
		}
	}

	if _, err := stmt.ExecContext(ctx, 2); err != nil {
		t.Fatalf("prepared statement after the ended calls: %v", err)
	}
	if got := queryString(t, ctx, conn, "SELECT string_agg(n::text, ',') FROM kept"); got != "2" {
		t.Errorf("temporary table holds %q, want only the row inserted after the ended calls", got)
	}
	if after := backendPID(t, ctx, conn); after != pid {
		t.Errorf("backend %d after the ended calls, want the same session (%d)", after, pid)
	}
}
