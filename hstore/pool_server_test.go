package hstore_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/momoko-go/momoko/hstore"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// openPool opens a pool on a fresh database with hstore registered on every
// connection, as an application using the pool's cursors would.
func openPool(t *testing.T) (context.Context, *pool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if _, err := p.RegisterHstore(ctx).Await(ctx); err != nil {
		t.Fatalf("RegisterHstore: %v", err)
	}
	return ctx, p
}

// execute runs one statement through the pool and returns its cursor.
func execute(t *testing.T, ctx context.Context, p *pool.Pool, query string, args ...any) *pool.Cursor {
	t.Helper()
	cur, err := p.Execute(ctx, query, args...).Await(ctx)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return cur
}

func TestPoolRoundTrip(t *testing.T) {
	ctx, p := openPool(t)
	execute(t, ctx, p, "CREATE TABLE items (id int PRIMARY KEY, attrs hstore)")
	want := append(slices.Clone(trickyValues), nil) // the last row is SQL NULL
	for id, h := range want {
		cur := execute(t, ctx, p, "INSERT INTO items VALUES ($1, $2)", id, h)
		if cur.RowsAffected() != 1 {
			t.Fatalf("inserting %s: %d rows", dump(h), cur.RowsAffected())
		}
	}

	cur := execute(t, ctx, p, "SELECT id, attrs FROM items ORDER BY id")
	for id, h := range want {
		got := hstore.Hstore{"stale": nil} // a NULL row must not leave it
		var gotID int
		if err := cur.FetchOne(&gotID, &got); err != nil || gotID != id {
			t.Fatalf("row %d: id %d, %v", id, gotID, err)
		}
		if !equal(got, h) {
			t.Errorf("row %d: got %s, want %s", id, dump(got), dump(h))
		}
	}
	if err := cur.FetchOne(new(int), new(hstore.Hstore)); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("FetchOne past the last row: %v, want sql.ErrNoRows", err)
	}
}

// TestPoolServerSeesNULLValues checks the stored value with the server's
// own operators, so a mistake made symmetrically by Value and Scan shows.
func TestPoolServerSeesNULLValues(t *testing.T) {
	ctx, p := openPool(t)
	h := hstore.Hstore{"null": nil, "NULL": hstore.Text("NULL"), `"\`: hstore.Text(`\"`), "": hstore.Text("")}
	cur := execute(t, ctx, p, `SELECT $1::hstore -> 'null' IS NULL AND exist($1::hstore, 'null'),
		$1::hstore -> 'NULL', $1::hstore -> '"\', $1::hstore -> '', array_length(akeys($1::hstore), 1)`, h)
	var nullValue bool
	var text, escaped, empty string
	var n int
	if err := cur.FetchOne(&nullValue, &text, &escaped, &empty, &n); err != nil {
		t.Fatal(err)
	}
	if !nullValue || text != "NULL" || escaped != `\"` || empty != "" || n != len(h) {
		t.Errorf("server sees null value %v, NULL=>%q, \"\\=>%q, empty=>%q, %d keys; want true, NULL, \\\", empty, %d",
			nullValue, text, escaped, empty, n, len(h))
	}

	var got hstore.Hstore
	if err := execute(t, ctx, p, "SELECT 'a=>NULL, b=>\"NULL\"'::hstore").FetchOne(&got); err != nil {
		t.Fatal(err)
	}
	if want := (hstore.Hstore{"a": nil, "b": hstore.Text("NULL")}); !equal(got, want) {
		t.Errorf("server-made hstore scanned as %s, want %s", dump(got), dump(want))
	}
}

func TestPoolArrayRoundTrip(t *testing.T) {
	ctx, p := openPool(t)
	execute(t, ctx, p, "CREATE TABLE lists (id int PRIMARY KEY, attrs hstore[])")
	arrays := []hstore.Array{
		append(slices.Clone(trickyValues), nil),
		{},
		{nil},
		nil,
	}
	for id, a := range arrays {
		execute(t, ctx, p, "INSERT INTO lists VALUES ($1, $2)", id, a)
	}

	cur := execute(t, ctx, p, "SELECT attrs, cardinality(attrs), attrs[cardinality(attrs)] IS NULL FROM lists ORDER BY id")
	for id, want := range arrays {
		got := hstore.Array{{"stale": nil}}
		var n sql.NullInt64
		var lastIsNULL sql.NullBool
		if err := cur.FetchOne(&got, &n, &lastIsNULL); err != nil {
			t.Fatalf("row %d: %v", id, err)
		}
		if !equalArrays(got, want) {
			t.Errorf("row %d: got %v, want %v", id, got, want)
		}
		if want != nil && int(n.Int64) != len(want) {
			t.Errorf("row %d: server counts %d elements, want %d", id, n.Int64, len(want))
		}
		if len(want) > 0 && lastIsNULL.Bool != (want[len(want)-1] == nil) {
			t.Errorf("row %d: server says the last element is NULL: %v", id, lastIsNULL.Bool)
		}
	}
}
