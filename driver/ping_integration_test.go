package driver_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// idleBackendKilled returns a DB with one idle connection whose backend has
// been terminated with pg_terminate_backend.
func idleBackendKilled(t *testing.T, ctx context.Context, pingAfterIdle string) (*sql.DB, int) {
	t.Helper()
	srv := pgtest.Shared(t)
	db, _ := openDB(t, withQuery(t, srv.NewDatabase(t), "ping_after_idle="+pingAfterIdle), nil)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := backendPID(t, ctx, conn)
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Exec(ctx, "SELECT pg_terminate_backend($1, 5000)", pid); err != nil {
		t.Fatal(err)
	}
	return db, pid
}

func TestPingDiscardsTerminatedConnection(t *testing.T) {
	ctx := testContext(t)
	db, oldPID := idleBackendKilled(t, ctx, "0")
	var pid int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatalf("query after pg_terminate_backend: %v", err)
	}
	if pid == oldPID {
		t.Fatalf("query ran on the terminated backend %d", pid)
	}
	if st := db.Stats(); st.MaxIdleClosed+st.MaxLifetimeClosed+st.MaxIdleTimeClosed != 0 || st.OpenConnections != 1 {
		t.Errorf("db stats = %+v, want exactly the replacement connection open", st)
	}
}

func TestWithoutPingTerminatedConnectionReachesCaller(t *testing.T) {
	ctx := testContext(t)
	db, _ := idleBackendKilled(t, ctx, "-1s")
	// The statement was sent on the dead connection, so it may not be
	// retried: the caller gets the server's FATAL.
	_, err := db.ExecContext(ctx, "SELECT 1")
	if got := driver.Classify(err); got != driver.ClassConnectionLost {
		t.Fatalf("error %v classified %v, want %v", err, got, driver.ClassConnectionLost)
	}
	// database/sql dropped the broken connection; the next call works.
	if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}
