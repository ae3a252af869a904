package driver_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// faultyDB opens a *sql.DB reaching database direct of srv through a new
// faultproxy, its connections named app in pg_stat_activity.
func faultyDB(t *testing.T, srv *pgtest.Server, direct, app string) (*sql.DB, *faultproxy.Proxy) {
	t.Helper()
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	dsn, err := pgtest.WithAddr(direct, p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	db, _ := openDB(t, withQuery(t, dsn, "application_name="+app), nil)
	return db, p
}

// countRows counts the rows of table whose n is n.
func countRows(t *testing.T, ctx context.Context, db *sql.DB, table string, n int) int {
	t.Helper()
	var rows int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE n = $1", n).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// cutAfterCommit holds back the replies of the proxy's connections until
// want rows with n are committed (release, if any, lets the statements go
// on once replies are held), then cuts every connection: the client
// learns nothing of the outcome, which the server has already stored.
func cutAfterCommit(t *testing.T, ctx context.Context, p *faultproxy.Proxy, check *sql.DB, table string, n, want int, release func()) {
	t.Helper()
	p.Blackhole()
	if release != nil {
		release()
	}
	waitFor(t, ctx, "the INSERTs to commit", func() bool { return countRows(t, ctx, check, table, n) == want })
	p.CutAll()
	p.Heal()
}

// holdLock takes the advisory lock the tests' INSERTs wait for, so that
// they stay in flight until the test is ready, whatever the machine's
// load; the function returned releases it.
func holdLock(t *testing.T, ctx context.Context, check *sql.DB) (release func()) {
	t.Helper()
	lock, err := check.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_unlock(42)"); err != nil {
			t.Fatal(err)
		}
		lock.Close()
	}
}

// TestSaturatedCutInsertRunsOnce: one connection, an INSERT without
// arguments (pgx's simple protocol) in flight and three callers waiting for
// the connection; the reply is held back until the INSERT has committed,
// then the connection is cut. database/sql's background opener hands a
// fresh connection straight to whoever waits, so anything that would retry
// the INSERT gets its chance; the INSERT must be stored once and reported
// lost.
func TestSaturatedCutInsertRunsOnce(t *testing.T) {
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	check, _ := openDB(t, direct, nil)
	if _, err := check.ExecContext(testContext(t), "CREATE TABLE saturated (n int)"); err != nil {
		t.Fatal(err)
	}
	const runs, waiting = 10, 3
	for run := range runs {
		ctx := testContext(t)
		app := fmt.Sprintf("momoko-saturated-%d", run)
		db, p := faultyDB(t, srv, direct, app)
		db.SetMaxOpenConns(1)

		release := holdLock(t, ctx, check)
		inserted := make(chan error, 1)
		go func() {
			_, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO saturated SELECT %d FROM (SELECT pg_advisory_xact_lock_shared(42)) l", run))
			inserted <- err
		}()
		waitFor(t, ctx, "the INSERT to run", func() bool { return countActive(t, ctx, srv, app) == 1 })
		waiters := make(chan error, waiting)
		for range waiting {
			go func() {
				var one int
				waiters <- db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
			}()
		}
		waitFor(t, ctx, "callers to wait for the connection", func() bool { return db.Stats().WaitCount == waiting })
		cutAfterCommit(t, ctx, p, check, "saturated", run, 1, release)

		if err := <-inserted; !errors.Is(err, driver.ErrConnectionLost) || errors.Is(err, sqldriver.ErrBadConn) {
			t.Errorf("run %d: INSERT cut after commit returned %v, want ErrConnectionLost", run, err)
		}
		for range waiting {
			if err := <-waiters; err != nil {
				t.Errorf("run %d: a caller waiting for the connection got %v", run, err)
			}
		}
		// database/sql retries, if at all, before the INSERT returns.
		if rows := countRows(t, ctx, check, "saturated", run); rows != 1 {
			t.Errorf("run %d: %d rows after one INSERT, want 1", run, rows)
		}
	}
}

// TestConcurrentInsertsCutAfterCommit: eight INSERTs sharing
// context.Background(), as db.Exec gives them, all cut after commit. Each
// round is a new pool; several rounds, because how the eight losses
// interleave varies from run to run.
func TestConcurrentInsertsCutAfterCommit(t *testing.T) {
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	check, _ := openDB(t, direct, nil)
	if _, err := check.ExecContext(testContext(t), "CREATE TABLE eight (n int)"); err != nil {
		t.Fatal(err)
	}
	const rounds, inserts = 5, 8
	for round := range rounds {
		ctx := testContext(t)
		app := fmt.Sprintf("momoko-eight-%d", round)
		db, p := faultyDB(t, srv, direct, app)

		// The INSERTs wait for a lock the test holds, so that all eight are
		// in flight at once however slowly their connections open.
		release := holdLock(t, ctx, check)
		errs := make(chan error, inserts)
		for range inserts {
			go func() {
				_, err := db.Exec(fmt.Sprintf("INSERT INTO eight SELECT %d FROM (SELECT pg_advisory_xact_lock_shared(42)) l", round))
				errs <- err
			}()
		}
		waitFor(t, ctx, "the INSERTs to run", func() bool { return countActive(t, ctx, srv, app) == inserts })
		cutAfterCommit(t, ctx, p, check, "eight", round, inserts, release)

		var lost int
		for range inserts {
			err := <-errs
			switch {
			case err == nil:
				t.Errorf("round %d: an INSERT cut after commit succeeded", round)
			case errors.Is(err, sqldriver.ErrBadConn):
				t.Errorf("round %d: an INSERT cut after commit returned %v, which says it never ran", round, err)
			case errors.Is(err, driver.ErrConnectionLost):
				lost++
			default:
				t.Errorf("round %d: an INSERT cut after commit returned %v, want ErrConnectionLost", round, err)
			}
		}
		if rows := countRows(t, ctx, check, "eight", round); rows != inserts || lost != inserts {
			t.Errorf("round %d: %d rows, %d ErrConnectionLost after %d INSERTs cut after commit, want %d each",
				round, rows, lost, inserts, inserts)
		}
	}
}

// TestStatementLostInTransactionFailsNothingElse: a statement lost inside a
// transaction is never retried; nothing of it may fail later, unrelated
// statements that share its context.
func TestStatementLostInTransactionFailsNothingElse(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	const app = "momoko-lost-in-tx"
	db, p := faultyDB(t, srv, srv.NewDatabase(t), app)

	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	lost := make(chan error, 1)
	go func() {
		_, err := tx.Exec("SELECT pg_sleep(2)")
		lost <- err
	}()
	waitFor(t, ctx, "the statement to run", func() bool { return countActive(t, ctx, srv, app) == 1 })
	p.CutAll()
	if err := <-lost; !errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("statement cut inside a transaction: %v, want ErrConnectionLost", err)
	}
	for i := range 2 {
		if _, err := db.Exec("SELECT 1"); err != nil {
			t.Errorf("unrelated statement %d after the loss: %v", i+1, err)
		}
	}
}
