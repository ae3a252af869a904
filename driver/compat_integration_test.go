package driver_test

import (
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// TestPgxStdlibCompatibility checks what code written for the "pgx" driver
// relies on, against a DB opened as sql.Open("momoko", dsn).
func TestPgxStdlibCompatibility(t *testing.T) {
	ctx := testContext(t)
	dsn := withQuery(t, pgtest.Shared(t).NewDatabase(t), "default_query_exec_mode=exec")
	db, err := sql.Open(driver.Name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	t.Run("Raw offers Conn() *pgx.Conn and COPY works", func(t *testing.T) {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "CREATE TABLE copied (n int)"); err != nil {
			t.Fatal(err)
		}
		var copied int64
		err = conn.Raw(func(dc any) error {
			pc := dc.(interface{ Conn() *pgx.Conn }).Conn()
			copied, err = pc.CopyFrom(ctx, pgx.Identifier{"copied"}, []string{"n"},
				pgx.CopyFromRows([][]any{{1}, {2}, {3}}))
			return err
		})
		if err != nil || copied != 3 {
			t.Fatalf("COPY: %d %v", copied, err)
		}
	})
	t.Run("NamedArgs", func(t *testing.T) {
		var s string
		if err := db.QueryRowContext(ctx, "SELECT @a::text || @b::text", pgx.NamedArgs{"a": "x", "b": "y"}).Scan(&s); err != nil || s != "xy" {
			t.Fatalf("NamedArgs: %q %v", s, err)
		}
	})
	t.Run("prepared statement and transaction", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			t.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, "SELECT $1::int + 1")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := stmt.QueryRowContext(ctx, 41).Scan(&n); err != nil || n != 42 {
			t.Fatalf("prepared: %d %v", n, err)
		}
		var iso string
		if err := tx.QueryRowContext(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil || iso != "serializable" {
			t.Fatalf("isolation: %q %v", iso, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("connection left in a transaction is discarded", func(t *testing.T) {
		db.SetMaxOpenConns(1)
		defer db.SetMaxOpenConns(0)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		pid := backendPID(t, ctx, conn)
		_ = conn.Close()
		var next int
		if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next == pid {
			t.Fatal("connection returned inside a transaction was reused")
		}
	})
	t.Run("pgx config key reached pgx", func(t *testing.T) {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		rawConn(t, ctx, conn, func(pc *pgx.Conn) error {
			if m := pc.Config().DefaultQueryExecMode; m != pgx.QueryExecModeExec {
				t.Errorf("DefaultQueryExecMode = %v", m)
			}
			return nil
		})
	})
}
