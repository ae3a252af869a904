package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
)

// Through database/sql, BeforeConnect runs once per physical connection:
// it supplies the password the DSN lacks (without it the server refuses
// the role), and what it sets on its copy (here application_name) is that
// connection's alone. Connections database/sql reuses are not dialed
// again.
func TestBeforeConnectRunsPerPhysicalConnection(t *testing.T) {
	ctx := testContext(t)
	u, err := url.Parse(pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	dsn := u.String()
	if conn, err := pgx.Connect(ctx, dsn); err == nil || sqlStateOf(err) != pgerrcode.InvalidPassword {
		if conn != nil {
			conn.Close(ctx)
		}
		t.Fatalf("dialing without the password: %v, want SQLSTATE 28P01", err)
	}

	var dials atomic.Int32
	db, _ := openDB(t, dsn, func(cfg *driver.Config) {
		cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
			cc.Password = password
			cc.RuntimeParams["application_name"] = fmt.Sprintf("dial-%d", dials.Add(1))
			return nil
		}
	})
	db.SetMaxIdleConns(3) // database/sql keeps 2 by default
	names := func() []string {
		var conns []*sql.Conn
		var got []string
		for range 3 {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			got = append(got, queryString(t, ctx, c, "SELECT current_setting('application_name')"))
		}
		for _, c := range conns {
			c.Close()
		}
		slices.Sort(got)
		return got
	}
	want := []string{"dial-1", "dial-2", "dial-3"}
	if got := names(); !slices.Equal(got, want) || dials.Load() != 3 {
		t.Fatalf("three connections at once: application names %v after %d dials, want %v", got, dials.Load(), want)
	}
	if got := names(); !slices.Equal(got, want) || dials.Load() != 3 {
		t.Fatalf("the same three again: application names %v after %d dials, want %v and no new dial", got, dials.Load(), want)
	}
}

func sqlStateOf(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
