package sqltext

import (
	"database/sql"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMogrify(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 4, 5, 123456789, time.FixedZone("x", 3600))
	cases := []struct {
		query string
		scs   bool
		args  []any
		want  string
	}{
		{"SELECT $1, $2", true, []any{"it's", 42}, "SELECT 'it''s', 42"},
		{"SELECT $1", true, []any{`a\b`}, `SELECT 'a\b'`},
		{"SELECT $1", false, []any{`a\b'`}, `SELECT E'a\\b'''`},
		{"SELECT $1", false, []any{`plain`}, `SELECT 'plain'`},
		{"SELECT 1 - $1", true, []any{-1}, "SELECT 1 - (-1)"},
		{"SELECT $1", true, []any{nil}, "SELECT NULL"},
		{"SELECT $1", true, []any{(*int)(nil)}, "SELECT NULL"},
		{"SELECT $1", true, []any{[]byte{0, 0xff}}, `SELECT '\x00ff'::bytea`},
		{"SELECT $1", false, []any{[]byte{1}}, `SELECT E'\\x01'::bytea`},
		{"SELECT $1", true, []any{true}, "SELECT true"},
		{"SELECT $1", true, []any{1.5}, "SELECT '1.5'::float8"},
		{"SELECT $1", true, []any{math.Inf(-1)}, "SELECT '-Infinity'::float8"},
		{"SELECT $1", true, []any{ts}, "SELECT '2024-02-29 12:04:05.123456+00'::timestamptz"},
		{"SELECT $1", true, []any{[]string{"a", "b'"}}, "SELECT ARRAY['a','b''']::text[]"},
		{"SELECT $1", true, []any{[]int64{}}, "SELECT '{}'::int8[]"},
		{"SELECT $1", true, []any{sql.NullString{}}, "SELECT NULL"},
		{"SELECT $1", true, []any{sql.NullInt64{Int64: 7, Valid: true}}, "SELECT 7"},
		{"SELECT $1 AS \"$2\", '$2', $$ $2 $$, $q$ $2 $q$ -- $2\n", true, []any{1}, "SELECT 1 AS \"$2\", '$2', $$ $2 $$, $q$ $2 $q$ -- $2\n"},
		{"SELECT /* $2 /* nested */ $2 */ $1", true, []any{1}, "SELECT /* $2 /* nested */ $2 */ 1"},
		{"SELECT E'\\'$2' || $1", true, []any{"x"}, "SELECT E'\\'$2' || 'x'"},
		{"SELECT $10", true, []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "SELECT 10"},
		{"SELECT @a, @b, '@a', @a", true, []any{pgx.NamedArgs{"a": "x"}}, "SELECT 'x', NULL, '@a', 'x'"},
	}
	for _, c := range cases {
		got, err := Mogrify(c.query, c.scs, c.args)
		if c.want == "" {
			if err == nil {
				t.Errorf("Mogrify(%q, %v) = %q, want an error", c.query, c.args, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Mogrify(%q, scs=%v, %v) = %q, %v; want %q", c.query, c.scs, c.args, got, err, c.want)
		}
	}
}

func TestMogrifyRejects(t *testing.T) {
	cases := []struct {
		query string
		args  []any
	}{
		{"SELECT $1", []any{"a\x00b"}},
		{"SELECT $1", []any{[]string{"ok", "\x00"}}},
		{"SELECT $2", []any{1}},
		{"SELECT $1", []any{1, 2}},
		{"SELECT $1", nil},
		{"SELECT '$1", []any{1}},
		{"SELECT /* $1", []any{1}},
		{"SELECT $$ $1", []any{1}},
		{"SELECT $1", []any{struct{}{}}},
		{"SELECT $1", []any{[]any{}}},
		{"SELECT $1", []any{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, c := range cases {
		if got, err := Mogrify(c.query, true, c.args); !errors.Is(err, ErrCannotMogrify) {
			t.Errorf("Mogrify(%q, %v) = %q, %v; want ErrCannotMogrify", c.query, c.args, got, err)
		}
	}
}

// FuzzMogrifyLeavesNoPlaceholder: whatever the query, Mogrify either
// rejects it or returns SQL with no placeholder left outside strings and
// comments, which mogrifying again with no arguments leaves unchanged.
func FuzzMogrifyLeavesNoPlaceholder(f *testing.F) {
	f.Add("SELECT $1 -- $1\n/* */ '$1' $$x$$ \"a\"", "x", true)
	f.Add("E'\\''$1", "\\", false)
	f.Add("SELECT 1 -$1", "-", true)
	f.Fuzz(func(t *testing.T, query, arg string, scs bool) {
		out, err := Mogrify(query, scs, []any{arg})
		if err != nil {
			return
		}
		again, err := Mogrify(out, scs, nil)
		if err != nil || again != out {
			t.Fatalf("Mogrify(%q, %q) = %q, which mogrifies again to %q, %v", query, arg, out, again, err)
		}
	})
}
