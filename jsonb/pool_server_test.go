package jsonb_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/jsonb"
	"github.com/momoko-go/momoko/pool"
)

// openPool opens a pool on a fresh database.
func openPool(t *testing.T) (context.Context, *pool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
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
	note := `quote " backslash \ unicode ✓ 🐘`
	doc := jsonb.Valid(order{ID: 7, Items: []string{"a", "b,c", "{}"}, Meta: map[string]string{"k": "v"}, Note: &note})
	arr := jsonb.Array[order]{doc, {}, jsonb.Valid(order{})}
	execute(t, ctx, p, "CREATE TABLE docs (id int PRIMARY KEY, j json, jb jsonb, jba jsonb[])")
	execute(t, ctx, p, "INSERT INTO docs VALUES (1, $1, $2, $3)", doc, doc, arr)
	execute(t, ctx, p, "INSERT INTO docs VALUES (2, $1, $2, $3)", jsonb.JSON[order]{V: order{ID: 9}}, jsonb.JSON[order]{}, jsonb.Array[order](nil))

	cur := execute(t, ctx, p, "SELECT j, jb, jba, jb->>'note', jb IS NULL FROM docs ORDER BY id")
	var j, jb jsonb.JSON[order]
	var ja jsonb.Array[order]
	var serverNote *string
	var isNULL bool
	if err := cur.FetchOne(&j, &jb, &ja, &serverNote, &isNULL); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j, doc) || !reflect.DeepEqual(jb, doc) {
		t.Errorf("documents read back as json %+v, jsonb %+v; want %+v", j, jb, doc)
	}
	if !reflect.DeepEqual(ja, arr) {
		t.Errorf("jsonb[] read back as %+v, want %+v", ja, arr)
	}
	// The server sees the document we meant, not just text we can read back.
	if serverNote == nil || *serverNote != note || isNULL {
		t.Errorf("server reads note %v (NULL document: %v), want %q", serverNote, isNULL, note)
	}

	// Row 2 is SQL NULL everywhere, even where V held a value.
	if err := cur.FetchOne(&j, &jb, &ja, &serverNote, &isNULL); err != nil {
		t.Fatal(err)
	}
	if j.Valid || jb.Valid || !reflect.DeepEqual(j.V, order{}) || ja != nil || !isNULL {
		t.Errorf("NULL row read back as json %+v, jsonb %+v, jsonb[] %#v (server says NULL: %v)", j, jb, ja, isNULL)
	}
}

// TestPoolRegisterJSON registers an unmarshal function on the pool. It is
// pgx's: it decodes json values that pgx decodes itself, as through
// Conn.Raw. The pool's cursors go through database/sql, which hands Scan
// the raw bytes, so JSON and Array decode with this package's codec (see
// SetCodec) and never call the registered function.
func TestPoolRegisterJSON(t *testing.T) {
	ctx, p := openPool(t)
	var calls atomic.Int64
	unmarshal := func(data []byte, v any) error {
		calls.Add(1)
		return json.Unmarshal(data, v)
	}
	if _, err := p.RegisterJSON(ctx, pool.WithJSONUnmarshal(unmarshal)).Await(ctx); err != nil {
		t.Fatalf("RegisterJSON: %v", err)
	}

	want := jsonb.Valid(order{ID: 3, Items: []string{"x"}})
	var got jsonb.JSON[order]
	if err := execute(t, ctx, p, "SELECT $1::jsonb", want).FetchOne(&got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("through a cursor: %+v, %v; want %+v", got, err, want)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("a cursor called the registered function %d times; database/sql should hand Scan raw bytes", n)
	}

	c, err := p.GetConn(ctx).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	err = p.Manage(c, func(c *pool.Conn) error {
		return c.Raw(func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, `SELECT '{"a": [1]}'::jsonb`).Scan(&m)
		})
	})
	if err != nil || !reflect.DeepEqual(m, map[string]any{"a": []any{1.0}}) {
		t.Fatalf("through pgx: %v, %v", m, err)
	}
	if calls.Load() == 0 {
		t.Error("pgx decoded jsonb without the registered function")
	}
}

func TestPoolRejectsBadJSON(t *testing.T) {
	ctx, p := openPool(t)
	var got jsonb.JSON[order]
	err := execute(t, ctx, p, `SELECT '{"id": "not a number"}'::jsonb`).FetchOne(&got)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || got.Valid {
		t.Errorf("FetchOne of a mistyped document: %+v, %v; want a *json.UnmarshalTypeError", got, err)
	}
}
