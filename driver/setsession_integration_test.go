package driver_test

import (
	"database/sql"
	"errors"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// withQuery appends raw query parameters to a URL DSN.
func withQuery(t *testing.T, dsn string, params ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += p
	}
	return u.String()
}

func TestSetSessionOnEveryNewConnection(t *testing.T) {
	ctx := testContext(t)
	dsn := withQuery(t, pgtest.Shared(t).NewDatabase(t),
		"setsession=SET%20TIME%20ZONE%20'Asia/Tokyo'", "setsession=SET%20application_name%20=%20'momoko-set'")
	db, err := sql.Open(driver.Name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Three connections held at once are three physical connections.
	var conns []*sql.Conn
	pids := map[int]bool{}
	for range 3 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		pids[backendPID(t, ctx, conn)] = true
		if tz := queryString(t, ctx, conn, "SHOW TIME ZONE"); tz != "Asia/Tokyo" {
			t.Errorf("TimeZone = %q, want Asia/Tokyo", tz)
		}
		if app := queryString(t, ctx, conn, "SHOW application_name"); app != "momoko-set" {
			t.Errorf("application_name = %q, want momoko-set", app)
		}
		// setsession ran in a transaction that was committed, not left open.
		if err := conn.Raw(func(dc any) error {
			if st := dc.(interface{ Conn() *pgx.Conn }).Conn().PgConn().TxStatus(); st != 'I' {
				t.Errorf("transaction status %q, want idle", st)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(pids) != 3 {
		t.Fatalf("want 3 backends, got %v", pids)
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

func TestSetSessionAfterServerRestart(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	dsn := withQuery(t, srv.DSN(), "setsession=SET%20TIME%20ZONE%20'America/Lima'", "ping_after_idle=0")
	db, c := openDB(t, dsn, nil)
	if tz := queryString(t, ctx, db, "SHOW TIME ZONE"); tz != "America/Lima" {
		t.Fatalf("TimeZone = %q before restart", tz)
	}
	if err := srv.Restart(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	// The idle connection died with the server; the ping discards it, the
	// reconnect runs setsession again, and the caller sees none of it.
	if tz := queryString(t, ctx, db, "SHOW TIME ZONE"); tz != "America/Lima" {
		t.Fatalf("TimeZone = %q after restart", tz)
	}
	if st := c.Stats(); st.Dials != 2 || st.DialFailures != 0 {
		t.Errorf("stats after restart = %+v, want 2 dials and no failure", st)
	}
}

func TestFailingSetSessionReachesCaller(t *testing.T) {
	ctx := testContext(t)
	dsn := withQuery(t, pgtest.Shared(t).NewDatabase(t),
		"setsession=SET%20TIME%20ZONE%20'UTC'", "setsession=SET%20no_such_setting%20=%201")
	db, c := openDB(t, dsn, nil)

	err := db.PingContext(ctx)
	var sessErr *driver.SetSessionError
	if !errors.As(err, &sessErr) {
		t.Fatalf("Ping error = %v, want *SetSessionError", err)
	}
	if sessErr.Index != 1 {
		t.Errorf("Index = %d, want 1", sessErr.Index)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42704" { // undefined_object
		t.Errorf("want SQLSTATE 42704 (undefined_object), got %v", err)
	}
	if st := db.Stats(); st.OpenConnections != 0 {
		t.Errorf("OpenConnections = %d after failed setsession, want 0", st.OpenConnections)
	}
	// The server answered, so the failure does not close the reconnect gate.
	if st := c.Stats(); st.Down || st.DialFailures != 0 {
		t.Errorf("stats = %+v: a setsession failure counted as an outage", st)
	}
	// And the rejected backend is gone, not leaked. It exits a moment after
	// the client closed the connection, so wait for that rather than count
	// once.
	srvConn, err := pgtest.Shared(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srvConn.Close(ctx)
	n := -1
	waitFor(t, ctx, "the rejected backend to exit", func() bool {
		if err := srvConn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
			mustDatabase(t, dsn)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

func mustDatabase(t *testing.T, dsn string) string {
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ConnConfig.Database
}
