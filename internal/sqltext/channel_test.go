package sqltext

import (
	"errors"
	"strings"
	"testing"
)

func TestQuoteChannel(t *testing.T) {
	for name, want := range map[string]string{
		"events":                    `"events"`,
		"Events":                    `"Events"`,
		`a"b`:                       `"a""b"`,
		"x; DROP TABLE t":           `"x; DROP TABLE t"`,
		strings.Repeat("é", 31):     `"` + strings.Repeat("é", 31) + `"`,
		strings.Repeat("c", 63):     `"` + strings.Repeat("c", 63) + `"`,
		`"already quoted"`:          `"""already quoted"""`,
		"with space and UPPER_case": `"with space and UPPER_case"`,
	} {
		if got, err := QuoteChannel(name); err != nil || got != want {
			t.Errorf("QuoteChannel(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"", "a\x00b", strings.Repeat("c", 64), strings.Repeat("é", 32)} {
		if got, err := QuoteChannel(name); !errors.Is(err, ErrBadChannel) {
			t.Errorf("QuoteChannel(%q) = %q, %v; want ErrBadChannel", name, got, err)
		}
	}
}

func TestListenSQL(t *testing.T) {
	if got, want := ListenSQL("LISTEN", []string{`"a"`, `"B"`}), `LISTEN "a"; LISTEN "B"; `; got != want {
		t.Errorf("ListenSQL = %q, want %q", got, want)
	}
}
