package future_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// openPG opens a database/sql pool of up to conns connections on a fresh
// database of the shared test server.
func openPG(t *testing.T, conns int) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db
}

func TestParallelSleepsTakeOneSleep(t *testing.T) {
	const n = 8
	db := openPG(t, n)
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fs := make([]*future.Future[int64], n)
	for i := range fs {
		fs[i] = future.QueryRow(ctx, db, future.ScanValue[int64], "SELECT pg_backend_pid() FROM pg_sleep(0.5)")
	}
	pids, err := future.All(ctx, fs...)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for _, pid := range pids {
		distinct[pid] = true
	}
	if len(distinct) != n {
		t.Fatalf("%d sleeps ran on %d backends, want one each", n, len(distinct))
	}
	t.Logf("%d parallel 0.5s sleeps took %v", n, elapsed)
	// Serial would be 4s; one sleep is 0.5s.
	if elapsed < 500*time.Millisecond || elapsed > 2*time.Second {
		t.Fatalf("%d parallel 0.5s sleeps took %v, want about 0.5s", n, elapsed)
	}
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
