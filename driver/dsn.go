package driver

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DSN keys read by ParseConfig and removed before pgx parses the rest. pgx
// would otherwise send them to the server as runtime parameters.
const (
	KeySetSession        = "setsession"         // repeatable; one SQL statement each
	KeyPingAfterIdle     = "ping_after_idle"    // Go duration: "1s", "0" (always), "-1s" (never)
	KeyReconnectInterval = "reconnect_interval" // Go duration: "500ms"
	KeyHstore            = "hstore"             // boolean: true/false, 1/0, t/f

	// Read for package pool, which applies them when its Options leave
	// them zero: Go durations; "0" means the pool's default, a negative
	// value turns the feature off.
	KeyMaxLifetime       = "max_lifetime"        // "1h"
	KeyMaxLifetimeJitter = "max_lifetime_jitter" // "6m"
	KeyHealthCheckPeriod = "health_check_period" // "1m"

	// Read for package pool, applied when Options.MaxWaiting is zero: how
	// many callers may wait for a connection; "0", the default, is no
	// limit.
	KeyMaxWaiting = "max_waiting" // "64"

	// Read for package pool: "true" turns its read groups on
	// (Options.ReadGroups); a boolean, default false.
	KeyReadGroups = "read_groups"
)

// dsnSetting is one key=value pair of a DSN: start and end delimit its raw
// text so the pair can be cut out without re-encoding the rest.
type dsnSetting struct {
	key, value string
	start, end int
	ours       bool // one of momoko's keys, to be removed
}

// ParseConfig parses a PostgreSQL URL (postgres://...) or keyword/value DSN.
// It reads and removes momoko's own keys (see the package documentation) and
// hands the rest to pgx.ParseConfig, so every pgx key works. Defaults:
// PingAfterIdle 1s, ReconnectInterval 500ms.
func ParseConfig(dsn string) (*Config, error) {
	settings, err := splitDSN(dsn)
	if err != nil {
		// Let pgx describe the syntax error: its message is redacted.
		if _, perr := pgx.ParseConfig(dsn); perr != nil {
			return nil, &ConfigError{Key: "dsn", Err: perr}
		}
		return nil, &ConfigError{Key: "dsn", Err: err}
	}
	cfg := &Config{PingAfterIdle: DefaultPingAfterIdle, ReconnectInterval: DefaultReconnectInterval}
	for i := range settings {
		if settings[i].ours, err = cfg.apply(settings[i].key, settings[i].value); err != nil {
			return nil, err
		}
	}
	cfg.ConnConfig, err = pgx.ParseConfig(removeSettings(dsn, settings))
	if err != nil {
		return nil, &ConfigError{Key: "dsn", Err: err}
	}
	return cfg, nil
}

// momokoKeys are the DSN keys momoko reads, each with what stores its
// value.
var momokoKeys = map[string]func(c *Config, value string) error{
	KeySetSession: func(c *Config, v string) error {
		c.SetSession = append(c.SetSession, v)
		if strings.TrimSpace(v) == "" {
			return errors.New("empty statement")
		}
		return nil
	},
	KeyPingAfterIdle:     durationKey(func(c *Config) *time.Duration { return &c.PingAfterIdle }),
	KeyReconnectInterval: durationKey(func(c *Config) *time.Duration { return &c.ReconnectInterval }),
	KeyMaxLifetime:       durationKey(func(c *Config) *time.Duration { return &c.MaxLifetime }),
	KeyMaxLifetimeJitter: durationKey(func(c *Config) *time.Duration { return &c.MaxLifetimeJitter }),
	KeyHealthCheckPeriod: durationKey(func(c *Config) *time.Duration { return &c.HealthCheckPeriod }),
	KeyMaxWaiting: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a count (use 0 for no limit, or a positive number)", v)
		}
		c.MaxWaiting = n
		return nil
	},
	KeyReadGroups: func(c *Config, v string) error {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not a boolean (use true or false)", v)
		}
		c.ReadGroups = on
		return nil
	},
	KeyHstore: func(c *Config, v string) (err error) {
		if c.Hstore, err = strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%q is not a boolean (use true or false)", v)
		}
		return nil
	},
}

func durationKey(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) (err error) {
		*field(c), err = parseDuration(v)
		return err
	}
}

// apply stores one of momoko's keys and reports whether key was one.
func (c *Config) apply(key, value string) (bool, error) {
	set, ok := momokoKeys[key]
	if !ok {
		return false, nil
	}
	if err := set(c, value); err != nil {
		return true, &ConfigError{Key: key, Err: err}
	}
	return true, nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (use a unit, e.g. 500ms or 2s)", v)
	}
	return d, nil
}

// removeSettings returns dsn without the raw text of momoko's settings. The
// rest is kept byte for byte.
func removeSettings(dsn string, settings []dsnSetting) string {
	if isURL(dsn) {
		q := urlQueryStart(dsn)
		if q < 0 {
			return dsn
		}
		var kept []string
		for _, s := range settings {
			if !s.ours {
				kept = append(kept, dsn[s.start:s.end])
			}
		}
		if len(kept) == 0 {
			return dsn[:q]
		}
		return dsn[:q+1] + strings.Join(kept, "&")
	}
	var b strings.Builder
	last := 0
	for _, s := range settings {
		if s.ours {
			b.WriteString(dsn[last:s.start])
			last = s.end
		}
	}
	b.WriteString(dsn[last:])
	return b.String()
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// splitDSN lists the settings of dsn with their positions.
func splitDSN(dsn string) ([]dsnSetting, error) {
	if strings.IndexByte(dsn, 0) >= 0 {
		return nil, errors.New("forbidden NUL byte in connection string")
	}
	if isURL(dsn) {
		return splitURLQuery(dsn)
	}
	return splitKeywordValue(dsn)
}

// splitURLQuery lists the query parameters of a postgres URL, decoded the way
// libpq decodes them ('+' stays a plus sign).
func splitURLQuery(dsn string) ([]dsnSetting, error) {
	q := urlQueryStart(dsn)
	if q < 0 {
		return nil, nil
	}
	var out []dsnSetting
	if q == len(dsn)-1 {
		return nil, nil
	}
	for pos := q + 1; pos <= len(dsn); {
		end := strings.IndexByte(dsn[pos:], '&')
		if end < 0 {
			end = len(dsn)
		} else {
			end += pos
		}
		pair := dsn[pos:end]
		if pair == "" {
			out = append(out, dsnSetting{start: pos, end: end})
		} else {
			rawKey, rawValue, ok := strings.Cut(pair, "=")
			if !ok {
				return nil, errors.New("URL query parameter without '='")
			}
			key, err := url.PathUnescape(strings.TrimSpace(rawKey))
			if err != nil {
				return nil, errors.New("bad percent-encoding in a URL query key")
			}
			s := dsnSetting{key: key, start: pos, end: end}
			if isMomokoKey(key) {
				if s.value, err = url.PathUnescape(strings.TrimSpace(rawValue)); err != nil {
					return nil, &ConfigError{Key: key, Err: errors.New("bad percent-encoding")}
				}
			}
			out = append(out, s)
		}
		pos = end + 1
	}
	return out, nil
}

// urlQueryStart finds the '?' that starts the query of a postgres URL,
// skipping userinfo (which may hold '?' in a password) and IPv6 brackets.
func urlQueryStart(dsn string) int {
	i := strings.Index(dsn, "://") + 3
	if at := strings.IndexAny(dsn[i:], "@/"); at >= 0 && dsn[i+at] == '@' {
		i += at + 1
	}
	for ; i < len(dsn); i++ {
		switch dsn[i] {
		case '[':
			if end := strings.IndexByte(dsn[i:], ']'); end >= 0 {
				i += end
			}
		case '?':
			return i
		}
	}
	return -1
}

func isMomokoKey(k string) bool {
	_, ok := momokoKeys[k]
	return ok
}
