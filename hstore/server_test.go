package hstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/hstore"
	"github.com/momoko-go/momoko/integration/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// SQLSTATEs asserted below.
const (
	syntaxError              = "42601"
	internalError            = "XX000"
	characterNotInRepertoire = "22021"
)

// connections are the ways database/sql reaches the server in these tests:
// pgx's stdlib, the momoko driver, and the momoko driver with pgx's binary
// hstore codec registered on every connection.
var connections = []struct {
	name, driver string
	hstoreCodec  bool
}{
	{"pgx", "pgx", false},
	{"momoko", "momoko", false},
	{"momoko+hstore", "momoko", true},
}

// openDB opens a fresh database through each connection kind.
func forEachConnection(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	for _, c := range connections {
		t.Run(c.name, func(t *testing.T) {
			fn(t, openDB(t, c.driver, dsn, c.hstoreCodec))
		})
	}
}

func openDB(tb testing.TB, driverName, dsn string, hstoreCodec bool) *sql.DB {
	tb.Helper()
	if hstoreCodec {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("hstore", "true")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if hstoreCodec {
		// Prove the codec is there: only a registered hstore type makes pgx
		// encode a map[string]*string argument.
		var n int
		m := map[string]*string{"a": nil}
		if err := db.QueryRow("SELECT array_length(akeys($1::hstore), 1)", m).Scan(&n); err != nil || n != 1 {
			tb.Fatalf("the binary hstore codec is not registered: %d, %v", n, err)
		}
	}
	return db
}

// trickyValues are hstores whose text needs every kind of quoting.
var trickyValues = []hstore.Hstore{
	{},
	{"a": hstore.Text("1")},
	{"": hstore.Text(""), "null": nil, "NULL": hstore.Text("NULL"), "nULL": hstore.Text("null")},
	{`"`: hstore.Text(`"`), `\`: hstore.Text(`\`), `\"`: hstore.Text(`"\`), `a"b\c`: hstore.Text(`\\""`)},
	{"=>": hstore.Text("=>"), "a=>b": hstore.Text("c=>d"), ",": hstore.Text(","), "a,b": hstore.Text("c, d")},
	{" ": hstore.Text(" "), " lead": hstore.Text("trail "), "\t\n\r\f\v": hstore.Text("\n")},
	{"ключ": hstore.Text("значение"), "🐘": hstore.Text("✓ – ü"), "日本": nil},
	{"{}": hstore.Text(`{"json":[1,2]}`), "'": hstore.Text("''"), "$1": hstore.Text("?")},
}

func TestServerRoundTrip(t *testing.T) {
	forEachConnection(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS kv (id int PRIMARY KEY, h hstore)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "TRUNCATE kv"); err != nil {
			t.Fatal(err)
		}
		for i, want := range trickyValues {
			if _, err := db.ExecContext(ctx, "INSERT INTO kv VALUES ($1, $2)", i, want); err != nil {
				t.Fatalf("insert %s: %v", dump(want), err)
			}
			var got hstore.Hstore
			if err := db.QueryRowContext(ctx, "SELECT h FROM kv WHERE id = $1", i).Scan(&got); err != nil {
				t.Fatalf("select %s: %v", dump(want), err)
			}
			if !equal(got, want) {
				t.Errorf("round trip: got %s, want %s", dump(got), dump(want))
			}
			checkServerSees(t, db, want)
		}
	})
}

// checkServerSees asks the server for every key's value, so a round trip
// that only looks right because our parser undoes our own mistake fails.
func checkServerSees(t *testing.T, db *sql.DB, h hstore.Hstore) {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow("SELECT array_length(akeys($1::hstore), 1)", h).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if int(n.Int64) != len(h) {
		t.Errorf("server counts %d keys in %s", n.Int64, dump(h))
	}
	for k, v := range h {
		var got sql.NullString
		var has bool
		if err := db.QueryRow("SELECT $1::hstore -> $2::text, $1::hstore ? $2::text", h, k).Scan(&got, &has); err != nil {
			t.Fatal(err)
		}
		if !has || got.Valid != (v != nil) || (v != nil && got.String != *v) {
			t.Errorf("server reads key %q of %s as %v (present %v)", k, dump(h), got, has)
		}
	}
}

func TestServerNULL(t *testing.T) {
	forEachConnection(t, func(t *testing.T, db *sql.DB) {
		h := hstore.Hstore{"stale": nil}
		if err := db.QueryRow("SELECT NULL::hstore").Scan(&h); err != nil || h != nil {
			t.Errorf("NULL scanned as %s, %v; want a nil Hstore", dump(h), err)
		}
		if err := db.QueryRow("SELECT ''::hstore").Scan(&h); err != nil || h == nil || len(h) != 0 {
			t.Errorf("'' scanned as %s, %v; want an empty Hstore", dump(h), err)
		}
		var isNull bool
		if err := db.QueryRow("SELECT $1::hstore IS NULL", hstore.Hstore(nil)).Scan(&isNull); err != nil || !isNull {
			t.Errorf("a nil Hstore reached the server as non-NULL (%v)", err)
		}
		if err := db.QueryRow("SELECT $1::hstore IS NULL", hstore.Hstore{}).Scan(&isNull); err != nil || isNull {
			t.Errorf("an empty Hstore reached the server as NULL (%v)", err)
		}
	})
}

func TestServerRejects(t *testing.T) {
	forEachConnection(t, func(t *testing.T, db *sql.DB) {
		var s string
		err := db.QueryRow("SELECT $1::hstore::text", hstore.Hstore{"a": hstore.Text("\x00")}).Scan(&s)
		if !errors.Is(err, hstore.ErrNULByte) {
			t.Errorf("NUL byte: %v, want ErrNULByte", err)
		}
		err = db.QueryRow("SELECT $1::hstore::text", hstore.Hstore{"a": hstore.Text("\xff")}).Scan(&s)
		if code := sqlstate(err); code != characterNotInRepertoire {
			t.Errorf("invalid UTF-8: %v, want SQLSTATE %s", err, characterNotInRepertoire)
		}
	})
}

// TestServerParsesLikeUs compares Parse with the server's own hstore input
// function on hand-written text.
func TestServerParsesLikeUs(t *testing.T) {
	db := openDB(t, "pgx", pgtest.Shared(t).NewDatabase(t), false)
	for _, in := range append(slices.Clone(hstore.ParseSeeds), handWritten...) {
		ours, ourErr := hstore.Parse(in)
		var theirs hstore.Hstore
		err := db.QueryRow("SELECT $1::text::hstore", in).Scan(&theirs)
		switch {
		case sqlstate(err) == characterNotInRepertoire: // text with NUL never reaches hstore_in
			if !errors.Is(ourErr, hstore.ErrSyntax) {
				t.Errorf("%q: server refuses the text, Parse = %s, %v", in, dump(ours), ourErr)
			}
		case err != nil:
			if !isHstoreSyntaxError(err) || !errors.Is(ourErr, hstore.ErrSyntax) {
				t.Errorf("%q: server says %v, Parse = %s, %v", in, err, dump(ours), ourErr)
				continue
			}
			var se *hstore.SyntaxError
			if pos, ok := serverPosition(err); ok && errors.As(ourErr, &se) && se.Pos != pos {
				t.Errorf("%q: server fails at position %d, Parse at %d", in, pos, se.Pos)
			}
		case ourErr != nil:
			t.Errorf("%q: server reads %s, Parse fails: %v", in, dump(theirs), ourErr)
		case !equal(ours, theirs):
			t.Errorf("%q: server reads %s, Parse %s", in, dump(theirs), dump(ours))
		}
	}
}

// handWritten is text in forms the server never prints but accepts.
var handWritten = []string{
	`a=>1,b=>2`, ` a => 1 , b => 2 , `, "a=>1\t,\n\r\fb=>2", `"k"=>null, "l"=>Null, "m"=>"NULL"`,
	`a\=b=>c\,d`, `a\ b=>c\ d`, `"\a\b"=>"\n"`, `NULL=>"x"`, `a=>b=c`, `a=>=>`, `a=>b;c=>d`,
	`a b=>c`, `"a"=>"b" c`, `a=>"b"c`, `a=>b,,c=>d`, `,`, `a=>1,`, `"a"=>"b",,`, `a=>N\ULL`,
	`"a" => "b"`, "a\n=>\nb", `a=> b`, `a =>b`, `a= >b`, `"a"=`, `\`, `"`, `=`, `a=>\`,
}

// isHstoreSyntaxError tells hstore_in's syntax errors: syntax_error since
// PostgreSQL 16, internal_error before.
func isHstoreSyntaxError(err error) bool {
	code := sqlstate(err)
	return code == syntaxError || code == internalError
}

// serverPosition reads the position from "... at position N".
func serverPosition(err error) (int, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return 0, false
	}
	i := strings.LastIndex(pgErr.Message, "at position ")
	if i < 0 {
		return 0, false
	}
	pos, convErr := strconv.Atoi(pgErr.Message[i+len("at position "):])
	return pos, convErr == nil
}

func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestServerArrayRoundTrip(t *testing.T) {
	forEachConnection(t, func(t *testing.T, db *sql.DB) {
		want := hstore.Array(append(slices.Clone(trickyValues), nil))
		var got hstore.Array
		if err := db.QueryRow("SELECT $1::hstore[]", want).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !equalArrays(got, want) {
			t.Errorf("round trip: got %v, want %v", got, want)
		}
		var n int
		if err := db.QueryRow("SELECT cardinality($1::hstore[])", want).Scan(&n); err != nil || n != len(want) {
			t.Errorf("server counts %d elements, want %d (%v)", n, len(want), err)
		}
		for _, q := range []struct {
			sql  string
			want hstore.Array
		}{
			{"SELECT NULL::hstore[]", nil},
			{"SELECT '{}'::hstore[]", hstore.Array{}},
			{`SELECT '[0:1]={"a=>1",NULL}'::hstore[]`, hstore.Array{{"a": hstore.Text("1")}, nil}},
		} {
			if err := db.QueryRow(q.sql).Scan(&got); err != nil || !equalArrays(got, q.want) {
				t.Errorf("%s scanned as %v, %v; want %v", q.sql, got, err, q.want)
			}
		}
	})
}

// FuzzServerRoundTrip sends generated hstores through the server and back.
// Plain go test runs the seed corpus against the server.
func FuzzServerRoundTrip(f *testing.F) {
	f.Add("a", "1", false, "b", "")
	f.Add("", "", true, `"\`, `\"`)
	f.Add("a=>b", "c, d", false, " ", "NULL")
	f.Add("ключ", "🐘", false, "\t", "\n")
	f.Add("bad", "\xff", false, "x", "y")
	db := openDB(f, "pgx", pgtest.Shared(f).NewDatabase(f), false)
	f.Fuzz(func(t *testing.T, k1, v1 string, null1 bool, k2, v2 string) {
		h := hstore.Hstore{k1: hstore.Text(v1), k2: hstore.Text(v2)}
		if null1 {
			h[k1] = nil
		}
		var got hstore.Hstore
		err := db.QueryRow("SELECT $1::hstore", h).Scan(&got)
		switch {
		case errors.Is(err, hstore.ErrNULByte):
		case sqlstate(err) == characterNotInRepertoire:
			if validUTF8(h) {
				t.Fatalf("%s: server refused valid UTF-8: %v", dump(h), err)
			}
		case err != nil:
			t.Fatalf("%s: %v", dump(h), err)
		case !equal(got, h):
			t.Fatalf("got %s, want %s", dump(got), dump(h))
		}
	})
}

func dump(h hstore.Hstore) string {
	v, err := h.Value()
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	if v == nil {
		return "<NULL>"
	}
	return fmt.Sprintf("%q", v)
}

// TestServerParsesArraysLikeUs compares Array.Scan with the server's array
// input function on hand-written literals.
func TestServerParsesArraysLikeUs(t *testing.T) {
	db := openDB(t, "pgx", pgtest.Shared(t).NewDatabase(t), false)
	for _, in := range []string{
		`{}`, ` { } `, `{a=>1 , b=>2}`, `{"a=>1"  ,NULL}`, `{a"=>1"}`, `{ "a=>1" x}`, `{\NULL=>1}`,
		`{NULL}`, `{null}`, `{"NULL"}`, `[0:1]={"a=>1","b=>2"}`, `{a=>1\ }`, `{ a=>1 }`, `{a=>1,}`,
		`{{"a=>1"}}`, `{"a=>1"} x`, `{,}`, `{`, `{"a=>\"x y\""}`,
	} {
		var ours hstore.Array
		ourErr := ours.Scan(in)
		var theirs hstore.Array
		err := db.QueryRow("SELECT $1::text::hstore[]", in).Scan(&theirs)
		switch {
		case err != nil:
			if ourErr == nil {
				t.Errorf("%q: server says %v, Scan = %v", in, err, ours)
			}
		case ourErr != nil:
			t.Errorf("%q: server reads %v, Scan fails: %v", in, theirs, ourErr)
		case !equalArrays(ours, theirs):
			t.Errorf("%q: server reads %v, Scan %v", in, theirs, ours)
		}
	}
}
