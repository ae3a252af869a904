package driver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func countActive(t *testing.T, ctx context.Context, srv *pgtest.Server, app string) int {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx,
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsertCutMidStatementRunsOnce(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	proxied, err := pgtest.WithAddr(direct, p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	const app = "momoko-cut-insert"
	db, _ := openDB(t, withQuery(t, proxied, "application_name="+app), nil)
	check, _ := openDB(t, direct, nil)
	if _, err := check.ExecContext(ctx, "CREATE TABLE cut (id int)"); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "INSERT INTO cut SELECT 1 FROM pg_sleep(0.5)")
		done <- err
	}()
	waitFor(t, ctx, "the INSERT to run", func() bool { return countActive(t, ctx, srv, app) == 1 })
	// Hold the reply back until the INSERT has committed, then cut: the
	// client learns nothing of the outcome, and pgx's cancel request comes
	// too late to undo it.
	p.Blackhole()
	waitFor(t, ctx, "the INSERT to commit", func() bool {
		var n int
		return check.QueryRowContext(ctx, "SELECT count(*) FROM cut").Scan(&n) == nil && n == 1
	})
	p.CutAll()
	p.Heal()
	err = <-done
	if got := driver.Classify(err); got != driver.ClassConnectionLost {
		t.Fatalf("INSERT cut mid-statement: %v classified %v, want %v", err, got, driver.ClassConnectionLost)
	}

	// The backend finishes the statement on its own; then count the rows.
	waitFor(t, ctx, "the cut backend to finish", func() bool { return countActive(t, ctx, srv, app) == 0 })
	var rows int
	if err := check.QueryRowContext(ctx, "SELECT count(*) FROM cut").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("%d rows after one INSERT cut mid-statement, want 1 (never run twice)", rows)
	}
	if !errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("error %v, want ErrConnectionLost", err)
	}
}
