package driver_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
)

func TestParseConfigReadsAndStripsMomokoKeys(t *testing.T) {
	tests := []struct {
		name, dsn     string
		setSession    []string
		ping, recon   time.Duration
		hstore        bool
		host, appName string
	}{
		{
			name:       "url",
			dsn:        "postgres://u:p@db.example:6543/app?setsession=SET%20TIME%20ZONE%20'UTC'&application_name=a+b&setsession=SET%20search_path%3Dx&ping_after_idle=0&reconnect_interval=2s&hstore=true",
			setSession: []string{"SET TIME ZONE 'UTC'", "SET search_path=x"},
			ping:       0, recon: 2 * time.Second, hstore: true, host: "db.example", appName: "a+b",
		},
		{
			name:       "keyword/value",
			dsn:        `host=db.example user=u password='p q' setsession='SET TIME ZONE \'UTC\'' application_name=app ping_after_idle=-1s hstore=1`,
			setSession: []string{"SET TIME ZONE 'UTC'"},
			ping:       -time.Second, recon: driver.DefaultReconnectInterval, hstore: true, host: "db.example", appName: "app",
		},
		{
			name: "defaults",
			dsn:  "postgres://u@db.example/app",
			ping: driver.DefaultPingAfterIdle, recon: driver.DefaultReconnectInterval, host: "db.example",
		},
		{
			name: "only momoko keys in query",
			dsn:  "postgresql://db.example/app?hstore=false",
			ping: driver.DefaultPingAfterIdle, recon: driver.DefaultReconnectInterval, host: "db.example",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := driver.ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.SetSession, tt.setSession) {
				t.Errorf("SetSession = %q, want %q", cfg.SetSession, tt.setSession)
			}
			if cfg.PingAfterIdle != tt.ping || cfg.ReconnectInterval != tt.recon || cfg.Hstore != tt.hstore {
				t.Errorf("ping %v reconnect %v hstore %v", cfg.PingAfterIdle, cfg.ReconnectInterval, cfg.Hstore)
			}
			if cfg.ConnConfig.Host != tt.host {
				t.Errorf("Host = %q, want %q", cfg.ConnConfig.Host, tt.host)
			}
			for _, k := range []string{"setsession", "ping_after_idle", "reconnect_interval", "hstore"} {
				if _, ok := cfg.ConnConfig.RuntimeParams[k]; ok {
					t.Errorf("momoko key %s left in RuntimeParams, pgx would send it to the server", k)
				}
			}
			if got := cfg.ConnConfig.RuntimeParams["application_name"]; got != tt.appName {
				t.Errorf("application_name = %q, want %q", got, tt.appName)
			}
		})
	}
}

func TestParseConfigKeepsPgxKeys(t *testing.T) {
	cfg, err := driver.ParseConfig("postgres://u:p@h/db?default_query_exec_mode=simple_protocol&statement_cache_capacity=7&sslmode=disable&connect_timeout=3")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.StatementCacheCapacity != 7 || cfg.ConnConfig.ConnectTimeout != 3*time.Second {
		t.Errorf("pgx keys lost: %+v", cfg.ConnConfig)
	}
	if cfg.ConnConfig.Password != "p" || cfg.ConnConfig.User != "u" {
		t.Error("userinfo changed by stripping")
	}
}

func TestParseConfigBadValueNamesKeyNotPassword(t *testing.T) {
	const secret = "s3cr3t-pw"
	tests := []struct{ dsn, key string }{
		{"postgres://u:" + secret + "@h/db?reconnect_interval=5", "reconnect_interval"},
		{"postgres://u:" + secret + "@h/db?ping_after_idle=soon", "ping_after_idle"},
		{"user=u password=" + secret + " hstore=maybe", "hstore"},
		{"user=u password=" + secret + " setsession=''", "setsession"},
		{"postgres://u:" + secret + "@h/db?connect_timeout=x", "dsn"},
		{"user=u password='" + secret, "dsn"},
		{"user=u password=" + secret + " port=notaport", "dsn"},
		{"user=u password=" + secret + "\x00", "dsn"},
	}
	for _, tt := range tests {
		_, err := driver.ParseConfig(tt.dsn)
		var cfgErr *driver.ConfigError
		if !errors.As(err, &cfgErr) {
			t.Errorf("%q: error %v, want *ConfigError", driver.Redact(tt.dsn), err)
			continue
		}
		if cfgErr.Key != tt.key || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%q: error %q does not name key %s", driver.Redact(tt.dsn), err, tt.key)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}

func TestNewConnectorValidates(t *testing.T) {
	if _, err := driver.NewConnector(nil); !errors.As(err, new(*driver.ConfigError)) {
		t.Errorf("nil config: %v", err)
	}
	if _, err := driver.NewConnector(&driver.Config{}); !errors.As(err, new(*driver.ConfigError)) {
		t.Errorf("nil ConnConfig: %v", err)
	}
	cfg, err := driver.ParseConfig("postgres://h/db")
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetSession = []string{"SET x = 1", " "}
	if _, err := driver.NewConnector(cfg); !errors.As(err, new(*driver.ConfigError)) {
		t.Errorf("blank setsession: %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db?password=secret&x=1", "postgres://u@h/db?password=xxxxx&x=1"},
		{"postgresql://u:se%2Fcret@h/db?sslpassword=secret", "postgresql://u:xxxxx@h/db?sslpassword=xxxxx"},
		{"host=h user=u password=secret dbname=d", "host=h user=u password='xxxxx' dbname=d"},
		{`host=h password='se cr\'et' port=1`, `host=h password='xxxxx' port=1`},
		{"postgres://u:pa/ss@h/db", "(unparsable DSN)"},
		{"host=h password='secret", "(unparsable DSN)"},
		{"postgres://u@h/db", "postgres://u@h/db"},
	}
	for _, tt := range tests {
		if got := driver.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(...) = %q, want %q", got, tt.want)
		}
		if strings.Contains(driver.Redact(tt.in), "secret") || strings.Contains(driver.Redact(tt.in), "pa/ss") {
			t.Errorf("Redact leaks: %q", driver.Redact(tt.in))
		}
	}
}
