package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// textScanner records what database/sql hands a sql.Scanner.
type textScanner struct{ got any }

func (s *textScanner) Scan(src any) error { s.got = src; return nil }

func rawConn(t *testing.T, ctx context.Context, conn *sql.Conn, fn func(*pgx.Conn) error) {
	t.Helper()
	if err := conn.Raw(func(dc any) error { return fn(dc.(interface{ Conn() *pgx.Conn }).Conn()) }); err != nil {
		t.Fatal(err)
	}
}

func TestHstoreReachesEveryConnection(t *testing.T) {
	ctx := testContext(t)
	db, c := openDB(t, pgtest.Shared(t).NewDatabase(t), nil)
	idle, err := db.Conn(ctx) // opened before EnableHstore, idle afterwards
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rawConn(t, ctx, first, func(pc *pgx.Conn) error { return c.EnableHstore(ctx, pc) })
	_ = idle.Close()

	// Held at once: the old idle connection (brought up to date on reuse) and
	// a brand-new one.
	conns := []*sql.Conn{first}
	for range 2 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for i, conn := range conns {
		rawConn(t, ctx, conn, func(pc *pgx.Conn) error {
			var h pgtype.Hstore
			if err := pc.QueryRow(ctx, `SELECT 'a=>1, b=>NULL'::hstore`).Scan(&h); err != nil {
				t.Errorf("conn %d: pgx scan of hstore: %v", i, err)
			} else if *h["a"] != "1" || h["b"] != nil {
				t.Errorf("conn %d: hstore = %v", i, h)
			}
			return nil
		})
		// database/sql sees the text form.
		var s textScanner
		if err := conn.QueryRowContext(ctx, `SELECT 'a=>1'::hstore`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s.got != `"a"=>"1"` {
			t.Errorf("conn %d: database/sql got %T %#v, want the text form", i, s.got, s.got)
		}
		// A map argument is encoded by the registered codec.
		var v string
		if err := conn.QueryRowContext(ctx, `SELECT ($1::hstore)->'k'`, pgtype.Hstore{"k": ptr("v")}).Scan(&v); err != nil || v != "v" {
			t.Errorf("conn %d: hstore argument: %q %v", i, v, err)
		}
		_ = conn.Close()
	}
}

func ptr(s string) *string { return &s }

func TestHstoreNotInstalled(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	db, c := openDB(t, dsn, nil)
	if _, err := db.ExecContext(ctx, "DROP EXTENSION hstore"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error { return c.EnableHstore(ctx, dc.(interface{ Conn() *pgx.Conn }).Conn()) })
	if !errors.Is(err, driver.ErrHstoreNotInstalled) {
		t.Fatalf("EnableHstore without the extension: %v", err)
	}
	// Config.Hstore on such a database fails every connect, clearly.
	db2, _ := openDB(t, withQuery(t, dsn, "hstore=true"), nil)
	if err := db2.PingContext(ctx); !errors.Is(err, driver.ErrHstoreNotInstalled) {
		t.Fatalf("hstore=true without the extension: %v", err)
	}
}

func TestJSONHooksReachNewConnections(t *testing.T) {
	ctx := testContext(t)
	calls := 0
	db, c := openDB(t, pgtest.Shared(t).NewDatabase(t), nil)
	if err := c.EnableJSON(ctx, nil, driver.JSONConfig{Unmarshal: func(b []byte, v any) error {
		calls++
		return json.Unmarshal(b, v)
	}}); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rawConn(t, ctx, conn, func(pc *pgx.Conn) error {
		var m map[string]int
		if err := pc.QueryRow(ctx, `SELECT '{"a":1}'::jsonb`).Scan(&m); err != nil || m["a"] != 1 {
			t.Errorf("jsonb scan: %v %v", m, err)
		}
		return nil
	})
	if calls != 1 {
		t.Errorf("custom Unmarshal called %d times, want 1", calls)
	}
	var raw []byte
	if err := conn.QueryRowContext(ctx, `SELECT '{"a":1}'::jsonb`).Scan(&raw); err != nil || string(raw) != `{"a": 1}` {
		t.Errorf("database/sql json: %q %v", raw, err)
	}
}
