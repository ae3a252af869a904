package pool_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// sameOnServer checks that the server reads the mogrified literal as the
// value the parameter carries: both are cast to typ and rendered as text by
// the server, and the texts must match. When the server rejects the
// parameter (invalid UTF-8, say) the literal must be rejected too.
func sameOnServer(t *testing.T, p *pool.Pool, typ string, arg any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	query := "SELECT ($1::" + typ + ")::text"
	lit, mogErr := p.Mogrify(ctx, query, arg).Await(ctx)
	want, paramErr := fetchText(ctx, p, query, arg)
	if mogErr != nil {
		return // refusing to render is always safe
	}
	got, litErr := fetchText(ctx, p, lit)
	switch {
	case paramErr != nil && litErr == nil:
		t.Fatalf("%#v: the parameter fails (%v) but the literal %q runs", arg, paramErr, lit)
	case paramErr != nil:
	case litErr != nil:
		t.Fatalf("%#v: mogrified as %q fails: %v", arg, lit, litErr)
	case (want == nil) != (got == nil) || (want != nil && *want != *got):
		t.Fatalf("%#v: parameter gives %v, mogrified %q gives %v", arg, deref(want), lit, deref(got))
	}
}

func fetchText(ctx context.Context, p *pool.Pool, query string, args ...any) (*string, error) {
	cur, err := p.Execute(ctx, query, args...).Await(ctx)
	if err != nil {
		return nil, err
	}
	var s *string
	return s, cur.FetchOne(&s)
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// FuzzMogrifyServer: for random strings, bytes, numbers, times, arrays and
// nil, SELECT <mogrified> on the real server returns what the
// parameterised query returns. Its seeds run with every go test.
func FuzzMogrifyServer(f *testing.F) {
	srv := pgtest.Shared(f)
	p, err := pool.Open(context.Background(), srv.DSN(), pool.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })
	f.Add("it's", []byte{0, 1, 0xff}, int64(-1), 1.5, int64(0), true)
	f.Add(`back\slash \x41 E'`, []byte(nil), int64(math.MinInt64), math.Inf(1), int64(1700000000123456789), false)
	f.Add("$1 -- /* ''", []byte(`\`), int64(math.MaxInt64), math.NaN(), int64(-6000000000123456789), true)
	f.Add("ünïcødé ✓\t\n", []byte{}, int64(0), math.Copysign(0, -1), int64(1), false)
	f.Add("\xff\xfe", []byte("x"), int64(42), 1e300, int64(999), true)
	f.Add("a\x00b", []byte("'"), int64(7), -2.5e-300, int64(-1), false)
	f.Fuzz(func(t *testing.T, s string, b []byte, i int64, fl float64, nanos int64, flag bool) {
		sameOnServer(t, p, "text", s)
		sameOnServer(t, p, "bytea", b)
		sameOnServer(t, p, "int8", i)
		sameOnServer(t, p, "float8", fl)
		sameOnServer(t, p, "timestamptz", time.Unix(0, nanos))
		sameOnServer(t, p, "bool", flag)
		sameOnServer(t, p, "text", nil)
		sameOnServer(t, p, "text[]", []string{s, "x" + s})
		sameOnServer(t, p, "int8[]", []int64{i, -i, 0})
		sameOnServer(t, p, "float8[]", []float64{fl, 1})
		sameOnServer(t, p, "bytea[]", [][]byte{b, nil})
	})
}

func TestMogrifyWithoutStandardConformingStrings(t *testing.T) {
	srv := pgtest.Shared(t)
	p, err := pool.Open(context.Background(), srv.NewDatabase(t), pool.Options{
		SetSession: []string{"SET standard_conforming_strings = off"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	lit, err := p.Mogrify(ctx, "SELECT $1", `a\b'c`).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := `SELECT E'a\\b''c'`; lit != want {
		t.Fatalf("with standard_conforming_strings off: %q, want %q", lit, want)
	}
	for _, s := range []string{`a\b'c`, `\\`, `\x41`, `'\`} {
		sameOnServer(t, p, "text", s)
		sameOnServer(t, p, "bytea", []byte(s))
	}
}
