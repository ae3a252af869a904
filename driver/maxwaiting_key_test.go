package driver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/driver"
)

// max_waiting is read for package pool and removed before pgx sees the
// DSN, in both DSN forms; absent, it is 0 (no limit).
func TestParseConfigReadsMaxWaiting(t *testing.T) {
	for _, tt := range []struct {
		dsn  string
		want int
	}{
		{"postgres://u@h/db?max_waiting=64&application_name=a", 64},
		{"host=h user=u max_waiting=0 application_name=a", 0},
		{"postgres://u@h/db?application_name=a", 0},
	} {
		cfg, err := driver.ParseConfig(tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.dsn, err)
		}
		if cfg.MaxWaiting != tt.want {
			t.Errorf("%s: MaxWaiting %d, want %d", tt.dsn, cfg.MaxWaiting, tt.want)
		}
		if _, ok := cfg.ConnConfig.RuntimeParams[driver.KeyMaxWaiting]; ok {
			t.Errorf("%s: max_waiting left in RuntimeParams: pgx would send it to the server", tt.dsn)
		}
		if got := cfg.ConnConfig.RuntimeParams["application_name"]; got != "a" {
			t.Errorf("%s: application_name = %q, want a", tt.dsn, got)
		}
	}
}

// A value that is not a count gives a *ConfigError naming the key, without
// the password.
func TestParseConfigBadMaxWaiting(t *testing.T) {
	const secret = "s3cr3t-pw"
	for _, value := range []string{"-1", "lots", "1.5", ""} {
		_, err := driver.ParseConfig("postgres://u:" + secret + "@h/db?max_waiting=" + value)
		var cfgErr *driver.ConfigError
		if !errors.As(err, &cfgErr) || cfgErr.Key != driver.KeyMaxWaiting {
			t.Errorf("max_waiting=%s: error %v, want a *ConfigError for max_waiting", value, err)
			continue
		}
		want := `momoko: invalid max_waiting: "` + value + `" is not a count (use 0 for no limit, or a positive number)`
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}
