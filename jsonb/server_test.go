package jsonb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/jsonb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// untranslatableCharacter is jsonb's SQLSTATE for \u0000.
const untranslatableCharacter = "22P05"

type order struct {
	ID    int               `json:"id"`
	Items []string          `json:"items"`
	Meta  map[string]string `json:"meta,omitempty"`
	Note  *string           `json:"note"`
}

// forEachDriver runs fn on a fresh database through pgx's stdlib and the
// momoko driver.
func forEachDriver(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	for _, name := range []string{"pgx", "momoko"} {
		t.Run(name, func(t *testing.T) {
			db, err := sql.Open(name, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

func TestServerRoundTrip(t *testing.T) {
	note := `quote " backslash \ unicode ✓ 🐘`
	want := jsonb.Valid(order{ID: 7, Items: []string{"a", "b,c", "{}"}, Meta: map[string]string{"k": "v"}, Note: &note})
	forEachDriver(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS docs (j json, jb jsonb, ja json[], jba jsonb[])"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "TRUNCATE docs"); err != nil {
			t.Fatal(err)
		}
		arr := jsonb.Array[order]{want, {}, jsonb.Valid(order{})}
		if _, err := db.ExecContext(ctx, "INSERT INTO docs VALUES ($1, $2, $3, $4)", want, want, arr, arr); err != nil {
			t.Fatal(err)
		}
		var j, jb jsonb.JSON[order]
		var ja, jba jsonb.Array[order]
		if err := db.QueryRowContext(ctx, "SELECT j, jb, ja, jba FROM docs").Scan(&j, &jb, &ja, &jba); err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]jsonb.JSON[order]{"json": j, "jsonb": jb} {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %+v, want %+v", name, got, want)
			}
		}
		for name, got := range map[string]jsonb.Array[order]{"json[]": ja, "jsonb[]": jba} {
			if !reflect.DeepEqual(got, arr) {
				t.Errorf("%s: got %+v, want %+v", name, got, arr)
			}
		}
		// The server sees the document we meant, not just text we can read back.
		var gotNote string
		if err := db.QueryRowContext(ctx, "SELECT jb->>'note' FROM docs").Scan(&gotNote); err != nil || gotNote != note {
			t.Errorf("server reads note %q, %v", gotNote, err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT cardinality(jba) FROM docs").Scan(&n); err != nil || n != len(arr) {
			t.Errorf("server counts %d elements, %v", n, err)
		}
	})
}

func TestServerShapes(t *testing.T) {
	forEachDriver(t, func(t *testing.T, db *sql.DB) {
		var m jsonb.JSON[map[string]any]
		if err := db.QueryRow(`SELECT '{"a": [1, "x", null]}'::jsonb`).Scan(&m); err != nil ||
			!reflect.DeepEqual(m.V, map[string]any{"a": []any{1.0, "x", nil}}) {
			t.Errorf("map: %+v, %v", m, err)
		}
		var s jsonb.JSON[[]int]
		if err := db.QueryRow(`SELECT '[1, 2, 3]'::json`).Scan(&s); err != nil || !reflect.DeepEqual(s.V, []int{1, 2, 3}) {
			t.Errorf("slice: %+v, %v", s, err)
		}
		// json keeps the text as written; jsonb normalises it.
		var raw, rawb jsonb.JSON[json.RawMessage]
		if err := db.QueryRow(`SELECT '{"b": 1,  "a": 2}'::json, '{"b": 1,  "a": 2}'::jsonb`).Scan(&raw, &rawb); err != nil {
			t.Fatal(err)
		}
		if string(raw.V) != `{"b": 1,  "a": 2}` || string(rawb.V) != `{"a": 2, "b": 1}` {
			t.Errorf("raw: json %s, jsonb %s", raw.V, rawb.V)
		}
		var in = jsonb.Valid(json.RawMessage(`{"z": [true]}`))
		if err := db.QueryRow(`SELECT $1::jsonb`, in).Scan(&rawb); err != nil || string(rawb.V) != `{"z": [true]}` {
			t.Errorf("raw through jsonb: %s, %v", rawb.V, err)
		}
	})
}

func TestServerNULL(t *testing.T) {
	forEachDriver(t, func(t *testing.T, db *sql.DB) {
		j := jsonb.Valid(map[string]any{"stale": true})
		if err := db.QueryRow("SELECT NULL::jsonb").Scan(&j); err != nil || j.Valid || j.V != nil {
			t.Errorf("SQL NULL scanned as %+v, %v", j, err)
		}
		if err := db.QueryRow("SELECT 'null'::jsonb").Scan(&j); err != nil || !j.Valid || j.V != nil {
			t.Errorf("JSON null scanned as %+v, %v", j, err)
		}
		var isNull bool
		var kind string
		if err := db.QueryRow("SELECT $1::jsonb IS NULL", jsonb.JSON[int]{V: 5}).Scan(&isNull); err != nil || !isNull {
			t.Errorf("an invalid JSON reached the server as non-NULL (%v)", err)
		}
		if err := db.QueryRow("SELECT jsonb_typeof($1::jsonb)", jsonb.Valid[map[string]int](nil)).Scan(&kind); err != nil || kind != "null" {
			t.Errorf("a valid nil map reached the server as %q, %v; want JSON null", kind, err)
		}
		var a jsonb.Array[int]
		if err := db.QueryRow("SELECT NULL::jsonb[]").Scan(&a); err != nil || a != nil {
			t.Errorf("NULL array scanned as %#v, %v", a, err)
		}
		if err := db.QueryRow("SELECT '{}'::jsonb[]").Scan(&a); err != nil || a == nil || len(a) != 0 {
			t.Errorf("empty array scanned as %#v, %v", a, err)
		}
	})
}

func TestServerRejectsNULInJSONB(t *testing.T) {
	forEachDriver(t, func(t *testing.T, db *sql.DB) {
		var s string
		err := db.QueryRow("SELECT $1::jsonb::text", jsonb.Valid("a\x00b")).Scan(&s)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != untranslatableCharacter {
			t.Errorf("jsonb with \\u0000: %q, %v; want SQLSTATE %s", s, err, untranslatableCharacter)
		}
		var j jsonb.JSON[string]
		if err := db.QueryRow("SELECT $1::json", jsonb.Valid("a\x00b")).Scan(&j); err != nil || j.V != "a\x00b" {
			t.Errorf("json keeps \\u0000 as text: %q, %v", j.V, err)
		}
	})
}
