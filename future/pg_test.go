package future_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// openPG opens a database/sql pool of up to conns connections on a fresh
// database of the shared test server.
func openPG(t *testing.T, conns int) *sql.DB {
	t.Helper()
	return openDSN(t, pgtest.Shared(t).NewDatabase(t), conns)
}

// openDSN opens a database/sql pool of up to conns connections on dsn.
func openDSN(t *testing.T, dsn string, conns int) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db
}

// Parallel futures run at once on connections of their own: each waits
// for an advisory lock the test holds, and the server shows all of them
// waiting at once before the test lets them go. A loaded machine makes
// that take longer, never fail.
func TestParallelQueriesRunAtOnce(t *testing.T) {
	const n = 8
	const lock = 8
	dsn := pgtest.Shared(t).NewDatabase(t)
	db := openDSN(t, dsn, n)
	ctx := context.Background()
	// Advisory locks belong to a database: hold it in the futures' one.
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fs := make([]*future.Future[int64], n)
	for i := range fs {
		fs[i] = future.QueryRow(ctx, db, future.ScanValue[int64], "SELECT pg_backend_pid() FROM pg_advisory_xact_lock_shared($1)", lock)
	}
	deadline := time.Now().Add(10 * time.Second)
	for waiting := 0; waiting != n; {
		err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d queries waiting for the lock at once after 10s", waiting, n)
		}
		time.Sleep(10 * time.Millisecond) // polling the condition
	}
	allRunning := time.Since(start)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", lock); err != nil {
		t.Fatal(err)
	}
	pids, err := future.All(ctx, fs...)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for _, pid := range pids {
		distinct[pid] = true
	}
	if len(distinct) != n {
		t.Fatalf("%d queries ran on %d backends, want one each", n, len(distinct))
	}
	t.Logf("%d parallel queries were all running %v after the first was made", n, allRunning.Round(time.Millisecond))
	if inUse := db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections still in use", inUse)
	}
}

func TestCancelStopsServerQueryAndReturnsConnection(t *testing.T) {
	db := openPG(t, 1)
	ctx := context.Background()
	admin, err := pgtest.Shared(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	const sleep = "SELECT pg_sleep(60) -- future cancel test"
	sleeping := func() bool {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE query = $1 AND state = 'active'", sleep).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	start := time.Now()
	f := future.Exec(ctx, db, sleep)
	for !sleeping() {
		if _, err := f.Result(); !errors.Is(err, future.ErrNotDone) {
			t.Fatalf("the sleep ended before it was seen running: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.Cancel()
	if _, err := f.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Exec after Cancel: %v, want context.Canceled", err)
	}
	for sleeping() {
		time.Sleep(10 * time.Millisecond)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("cancelled sleep ended after %v", elapsed)
	}
	// The pool's only connection is free again.
	if n, err := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 1").Await(ctx); n != 1 || err != nil {
		t.Fatalf("query after Cancel = %v, %v", n, err)
	}
	if inUse := db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections still in use", inUse)
	}
}
