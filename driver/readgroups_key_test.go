package driver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/driver"
)

// read_groups is read for package pool and removed before pgx sees the
// DSN, in both DSN forms; true sets ReadGroups, absent or false leaves
// it unset.
func TestParseConfigReadsReadGroups(t *testing.T) {
	for _, tt := range []struct {
		dsn string
		on  bool
	}{
		{"postgres://u@h/db?read_groups=true&application_name=a", true},
		{"host=h user=u read_groups=1 application_name=a", true},
		{"postgres://u@h/db?read_groups=false&application_name=a", false},
		{"postgres://u@h/db?application_name=a", false},
	} {
		cfg, err := driver.ParseConfig(tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.dsn, err)
		}
		if cfg.ReadGroups != tt.on {
			t.Errorf("%s: ReadGroups %v, want %v", tt.dsn, cfg.ReadGroups, tt.on)
		}
		if _, ok := cfg.ConnConfig.RuntimeParams[driver.KeyReadGroups]; ok {
			t.Errorf("%s: read_groups left in RuntimeParams: pgx would send it to the server", tt.dsn)
		}
		if got := cfg.ConnConfig.RuntimeParams["application_name"]; got != "a" {
			t.Errorf("%s: application_name = %q, want a", tt.dsn, got)
		}
	}
}

// A value that is not a boolean gives a *ConfigError naming the key,
// without the password.
func TestParseConfigBadReadGroups(t *testing.T) {
	const secret = "s3cr3t-pw"
	_, err := driver.ParseConfig("postgres://u:" + secret + "@h/db?read_groups=sometimes")
	var cfgErr *driver.ConfigError
	if !errors.As(err, &cfgErr) || cfgErr.Key != driver.KeyReadGroups {
		t.Fatalf("read_groups=sometimes: error %v, want a *ConfigError for read_groups", err)
	}
	if want := `momoko: invalid read_groups: "sometimes" is not a boolean (use true or false)`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the password: %q", err)
	}
}
