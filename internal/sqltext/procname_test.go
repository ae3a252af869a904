package sqltext

import (
	"errors"
	"testing"
)

func TestQuoteProcName(t *testing.T) {
	for name, want := range map[string]string{
		"close":            `"close"`,
		"billing.Close":    `"billing"."Close"`,
		"db.billing.close": `"db"."billing"."close"`,
		`a"b`:              `"a""b"`,
	} {
		if got, err := QuoteProcName(name); err != nil || got != want {
			t.Errorf("QuoteProcName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"", "a..b", "a.", "a.b.c.d", "a\x00b"} {
		if got, err := QuoteProcName(name); !errors.Is(err, ErrBadProcName) {
			t.Errorf("QuoteProcName(%q) = %q, %v; want ErrBadProcName", name, got, err)
		}
	}
}

func TestCallSQL(t *testing.T) {
	for _, c := range []struct {
		procedure bool
		nargs     int
		want      string
	}{
		{false, 0, `SELECT * FROM "f"()`},
		{false, 2, `SELECT * FROM "f"($1, $2)`},
		{true, 1, `CALL "f"($1)`},
	} {
		if got := CallSQL(`"f"`, c.procedure, c.nargs); got != c.want {
			t.Errorf("CallSQL(procedure=%v, %d) = %q, want %q", c.procedure, c.nargs, got, c.want)
		}
	}
}
