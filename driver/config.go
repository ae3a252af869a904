package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Defaults set by ParseConfig.
const (
	DefaultPingAfterIdle     = time.Second            // pgx's stdlib default
	DefaultReconnectInterval = 500 * time.Millisecond // Momoko's reconnect_interval default
)

// Config configures a Connector. Build it with ParseConfig, then adjust
// fields; a hand-built Config needs at least ConnConfig from pgx.ParseConfig.
type Config struct {
	// ConnConfig is pgx's configuration, parsed from the DSN without momoko's
	// own keys. NewConnector copies it.
	ConnConfig *pgx.ConnConfig

	// SetSession statements run, in one transaction, on every new physical
	// connection (reconnects included) before anyone uses it. If one fails the
	// connection is closed and the caller gets a *SetSessionError.
	// DSN key: setsession (repeatable). Default: none.
	SetSession []string

	// PingAfterIdle: a connection taken from the idle pool is pinged first if
	// it has been idle longer than this. A failed ping discards it and
	// database/sql takes or opens another, unseen by the caller. 0 pings on
	// every reuse; negative never pings. ParseConfig sets 1s (pgx's default);
	// on a hand-built Config the zero value means "ping every time".
	// DSN key: ping_after_idle.
	PingAfterIdle time.Duration

	// ReconnectInterval: after a failed dial and its immediate confirmation,
	// Connect fails at once with an *UnavailableError (wrapping
	// ErrDatabaseNotAvailable) until this much time has passed; then one dial
	// probes the server while concurrent callers wait for its outcome. ParseConfig sets 500ms. On a hand-built Config, 0 or a
	// negative value turns the fast-fail window off, but concurrent dials
	// during an outage still wait for the one in flight.
	// DSN key: reconnect_interval.
	ReconnectInterval time.Duration

	// MaxLifetime, MaxLifetimeJitter and HealthCheckPeriod are read from
	// the DSN for package pool, which applies them when its Options leave
	// them zero (see pool.Options for what they do). The driver itself
	// does not act on them: with database/sql alone, use
	// sql.DB.SetConnMaxLifetime. Default 0: the pool's defaults (1h, a
	// tenth of MaxLifetime, 1m); negative turns the feature off.
	// DSN keys: max_lifetime, max_lifetime_jitter, health_check_period.
	MaxLifetime       time.Duration
	MaxLifetimeJitter time.Duration
	HealthCheckPeriod time.Duration

	// MaxWaiting is read from the DSN for package pool, which applies it
	// when Options.MaxWaiting is zero: how many callers may wait for a
	// connection before the next fails at once. The driver does not act
	// on it (database/sql has no such limit). Default 0: no limit.
	// DSN key: max_waiting.
	MaxWaiting int

	// ReadGroups is read from the DSN for package pool, which turns its
	// read groups on when it is set (see pool.Options.ReadGroups); the
	// driver does not act on it. Default false. DSN key: read_groups.
	ReadGroups bool

	// Hstore registers the hstore type (binary codec, OID looked up on each
	// connection) on every connection. A database without the extension makes
	// every connect fail with ErrHstoreNotInstalled. Default false.
	// DSN key: hstore.
	Hstore bool

	// JSON, when not nil, replaces pgx's encoding/json for json and jsonb
	// values on every connection. Default nil (pgx's defaults).
	JSON *JSONConfig

	// BeforeConnect, when not nil, runs before every dial (pgxpool's hook
	// of the same name) with a copy of ConnConfig for that dial alone,
	// which it may change: set Password to a token that lives minutes (a
	// cloud IAM token), so that every new connection gets a current one
	// while the connections open keep theirs. ctx is the dial's: the
	// caller's, ended by Close too. An error fails the dial with an error
	// wrapping ErrBeforeConnect and the hook's error, and counts as a
	// failed dial for the reconnect gate: confirmed once at once, then the
	// database is considered down for ReconnectInterval (a token service
	// that is down fails calls fast, as a server that is down does). A DSN
	// cannot carry it: set it on the Config given to NewConnector or to
	// package pool's NewWithConfig. Default nil: none.
	BeforeConnect func(ctx context.Context, cfg *pgx.ConnConfig) error

	// AfterConnect, when not nil, runs on every new connection after
	// SetSession and type registration. An error closes the connection and
	// reaches the caller.
	AfterConnect func(context.Context, *pgx.Conn) error

	// Logger receives outage and recovery events and dial failures; messages
	// never contain the password. Default nil: no logging.
	Logger *slog.Logger
}

// JSONConfig replaces the functions pgx uses for json and jsonb (Momoko's
// register_json loads). A nil field means encoding/json's.
type JSONConfig struct {
	Marshal   func(v any) ([]byte, error)
	Unmarshal func(data []byte, v any) error
}

func (jc JSONConfig) withDefaults() JSONConfig {
	if jc.Marshal == nil {
		jc.Marshal = json.Marshal
	}
	if jc.Unmarshal == nil {
		jc.Unmarshal = json.Unmarshal
	}
	return jc
}

// validate reports the first field a Connector cannot work with.
func (c *Config) validate() error {
	if c == nil {
		return &ConfigError{Key: "Config", Err: errors.New("nil config")}
	}
	if c.ConnConfig == nil {
		return &ConfigError{Key: "ConnConfig", Err: errors.New("nil; build it with driver.ParseConfig or pgx.ParseConfig")}
	}
	for i, s := range c.SetSession {
		if strings.TrimSpace(s) == "" {
			return &ConfigError{Key: "SetSession", Err: fmt.Errorf("statement %d is empty", i)}
		}
		if strings.IndexByte(s, 0) >= 0 {
			return &ConfigError{Key: "SetSession", Err: fmt.Errorf("statement %d contains a NUL byte", i)}
		}
	}
	return nil
}

// clone copies c deeply enough that later changes by the caller do not reach
// the Connector.
func (c *Config) clone() *Config {
	cp := *c
	cp.ConnConfig = c.ConnConfig.Copy()
	cp.SetSession = append([]string(nil), c.SetSession...)
	if c.JSON != nil {
		jc := *c.JSON
		cp.JSON = &jc
	}
	return &cp
}
