package pool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// dbtx is the interface sqlc generates for pgx/v5: its queries take it.
type dbtx interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
}

var (
	_ dbtx = (*pool.Pool)(nil)
	_ dbtx = (*pool.Conn)(nil)
)

type author struct {
	ID   int64
	Name string
}

// runAuthors is the kind of code sqlc generates, run on db.
func runAuthors(t *testing.T, ctx context.Context, db dbtx, table string) {
	t.Helper()
	tag, err := db.Exec(ctx, "INSERT INTO "+table+" (id, name) VALUES ($1, $2), ($3, $4)", 1, "Ann", 2, "Bo")
	if err != nil || tag.String() != "INSERT 0 2" || tag.RowsAffected() != 2 {
		t.Fatalf("Exec: %v, %v", tag, err)
	}
	rows, err := db.Query(ctx, "SELECT name, id FROM "+table+" ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	authors, err := pgx.CollectRows(rows, pgx.RowToStructByName[author])
	if err != nil || len(authors) != 2 || authors[0] != (author{1, "Ann"}) || authors[1] != (author{2, "Bo"}) {
		t.Fatalf("CollectRows: %+v, %v", authors, err)
	}
	var name string
	if err := db.QueryRow(ctx, "SELECT name FROM "+table+" WHERE id = $1", 2).Scan(&name); err != nil || name != "Bo" {
		t.Fatalf("QueryRow: %q, %v", name, err)
	}
	if err := db.QueryRow(ctx, "SELECT name FROM "+table+" WHERE id = $1", 3).Scan(&name); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("QueryRow of no row: %v, want pgx.ErrNoRows", err)
	}
	if err := db.QueryRow(ctx, "SELECT 1/0").Scan(&name); sqlState(err) != "22012" {
		t.Fatalf("QueryRow of a failing statement: %v, want 22012", err)
	}
	rows, err = db.Query(ctx, "SELECT nonsense FROM "+table)
	if rows == nil {
		t.Fatalf("Query of a failing statement: nil rows (%v)", err)
	}
	if sqlState(err) != "42703" || rows.Next() || sqlState(rows.Err()) != "42703" {
		t.Fatalf("Query of a failing statement: %v, rows' %v; want 42703 from both", err, rows.Err())
	}
	rows.Close()
}

func TestPgxShapeOnPoolAndConn(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 4})
	for _, table := range []string{"authors_pool", "authors_conn"} {
		if _, err := p.Exec(ctx, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, name text)"); err != nil {
			t.Fatal(err)
		}
	}
	runAuthors(t, ctx, p, "authors_pool")
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	runAuthors(t, ctx, c, "authors_conn")
	// A Conn's statements run in order, on its session.
	if _, err := c.Exec(ctx, "SET application_name = 'pgx shape'"); err != nil {
		t.Fatal(err)
	}
	var app string
	if err := c.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil || app != "pgx shape" {
		t.Fatalf("application_name %q, %v", app, err)
	}
}
