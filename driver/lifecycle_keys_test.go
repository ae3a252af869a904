package driver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
)

func TestParseConfigReadsLifecycleKeys(t *testing.T) {
	tests := []struct {
		name, dsn                string
		lifetime, jitter, health time.Duration
	}{
		{
			name:     "url",
			dsn:      "postgres://u:p@h/db?max_lifetime=30m&application_name=a&max_lifetime_jitter=90s&health_check_period=-1s",
			lifetime: 30 * time.Minute, jitter: 90 * time.Second, health: -time.Second,
		},
		{
			name:     "keyword/value",
			dsn:      "host=h user=u max_lifetime=2s max_lifetime_jitter=1s health_check_period=500ms application_name=a",
			lifetime: 2 * time.Second, jitter: time.Second, health: 500 * time.Millisecond,
		},
		{name: "absent: the pool's defaults", dsn: "postgres://u@h/db?application_name=a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := driver.ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MaxLifetime != tt.lifetime || cfg.MaxLifetimeJitter != tt.jitter || cfg.HealthCheckPeriod != tt.health {
				t.Errorf("lifetime %v jitter %v health %v, want %v %v %v",
					cfg.MaxLifetime, cfg.MaxLifetimeJitter, cfg.HealthCheckPeriod, tt.lifetime, tt.jitter, tt.health)
			}
			for _, k := range []string{driver.KeyMaxLifetime, driver.KeyMaxLifetimeJitter, driver.KeyHealthCheckPeriod} {
				if _, ok := cfg.ConnConfig.RuntimeParams[k]; ok {
					t.Errorf("%s left in RuntimeParams: pgx would send it to the server", k)
				}
			}
			if got := cfg.ConnConfig.RuntimeParams["application_name"]; got != "a" {
				t.Errorf("application_name = %q, want a", got)
			}
		})
	}
}

func TestParseConfigBadLifecycleValue(t *testing.T) {
	const secret = "s3cr3t-pw"
	for _, tt := range []struct{ dsn, key, value string }{
		{"postgres://u:" + secret + "@h/db?max_lifetime=1", "max_lifetime", "1"},
		{"postgres://u:" + secret + "@h/db?max_lifetime_jitter=lots", "max_lifetime_jitter", "lots"},
		{"user=u password=" + secret + " health_check_period=often", "health_check_period", "often"},
	} {
		_, err := driver.ParseConfig(tt.dsn)
		var cfgErr *driver.ConfigError
		if !errors.As(err, &cfgErr) || cfgErr.Key != tt.key {
			t.Errorf("%s: error %v, want a *ConfigError for %s", tt.key, err, tt.key)
			continue
		}
		want := `momoko: invalid ` + tt.key + `: "` + tt.value + `" is not a duration (use a unit, e.g. 500ms or 2s)`
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}
