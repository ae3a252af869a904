package pool_test

import (
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// withParams adds query parameters to a URL DSN, spaces as %20: momoko
// decodes a DSN as libpq does, keeping '+' a plus sign.
func withParams(dsn string, params url.Values) string {
	for k, vs := range params {
		for _, v := range vs {
			dsn += "&" + url.QueryEscape(k) + "=" + strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
		}
	}
	if !strings.Contains(dsn, "?") {
		dsn = strings.Replace(dsn, "&", "?", 1)
	}
	return dsn
}

// The keys that only the connector acts on (setsession, hstore) act the
// same through the pool as through sql.Open("momoko", dsn): the session
// setting is there, and so is the hstore type.
func TestDSNKeysActAsThroughSQLOpen(t *testing.T) {
	ctx := testContext(t)
	dsn := withParams(pgtest.Shared(t).NewDatabase(t), url.Values{
		driver.KeySetSession: {"SET application_name = 'from_dsn'"},
		driver.KeyHstore:     {"true"},
	})
	session := func(conn *pgx.Conn) (string, bool, error) {
		var app string
		err := conn.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app)
		_, hstore := conn.TypeMap().TypeForName("hstore")
		return app, hstore, err
	}
	db, err := sql.Open("momoko", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sc, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var app string
	var hstore bool
	err = sc.Raw(func(dc any) (err error) {
		app, hstore, err = session(dc.(interface{ Conn() *pgx.Conn }).Conn())
		return err
	})
	if err != nil || app != "from_dsn" || !hstore {
		t.Fatalf("through sql.Open: application_name %q, hstore registered %v, %v", app, hstore, err)
	}

	p := openPool(t, ctx, dsn, pool.Options{})
	await(t, ctx, p.Raw(ctx, func(conn *pgx.Conn) (err error) {
		app, hstore, err = session(conn)
		return err
	}))
	if app != "from_dsn" || !hstore {
		t.Errorf("through the pool: application_name %q, hstore registered %v", app, hstore)
	}
	cur := await(t, ctx, p.Execute(ctx, "SELECT 'a=>1'::hstore"))
	var h map[string]*string
	if err := cur.FetchOne(&h); err != nil || h["a"] == nil || *h["a"] != "1" {
		t.Errorf("an hstore through Execute: %v, %v", h, err)
	}
}

// reconnect_interval in the DSN paces the pool's dials to a refused
// address: one dial, confirmed once, and none again within the interval,
// however many calls fail meanwhile.
func TestReconnectIntervalFromDSN(t *testing.T) {
	ctx := testContext(t)
	proxy, refused := proxiedDSN(t, pgtest.Shared(t))
	proxy.Refuse()
	p, err := pool.New(withParams(refused, url.Values{driver.KeyReconnectInterval: {"1h"}}), pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Options().ReconnectInterval; got != time.Hour {
		t.Errorf("Options().ReconnectInterval = %v, want the DSN's 1h", got)
	}
	// Longer than two default intervals (500ms), so that a pool that
	// ignored the key would have probed again.
	calls := 0
	for start := time.Now(); time.Since(start) < 3*pool.DefaultReconnectInterval; calls++ {
		if _, err := p.Execute(ctx, "SELECT 1").Await(ctx); !errors.Is(err, driver.ErrDatabaseNotAvailable) && calls > 0 {
			t.Fatalf("call %d to a refused address: %v, want ErrDatabaseNotAvailable", calls, err)
		}
		time.Sleep(10 * time.Millisecond) // calls spread over the window, not a wait for a condition
	}
	st := p.Stats().Gate
	t.Logf("%d calls: %d dials (%d confirming), %d fast failures", calls, st.Dials, st.Redials, st.FastFailures)
	if st.Dials-st.Redials != 1 {
		t.Errorf("%d dials (%d confirming) for %d calls within reconnect_interval=1h, want 1 and its confirmation",
			st.Dials, st.Redials, calls)
	}
}
