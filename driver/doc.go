// Package driver is the "momoko" database/sql driver: pgx's stdlib driver plus
// everything Momoko's pool did per physical connection.
//
//	import _ "github.com/momoko-go/momoko/driver" // registers "momoko" with database/sql
//
//	db, err := sql.Open("momoko", "postgres://app@db/app?setsession=SET%20TIME%20ZONE%20'UTC'")
//
// Importing the package, blank or not, registers the driver under Name
// ("momoko"). Libraries that pick a placeholder style by driver name do
// not know it: tell sqlx once, before sqlx.Open or sqlx.NewDb, that it
// takes PostgreSQL's $1 placeholders, or Rebind, NamedExec and In produce
// '?' and fail with SQLSTATE 42601:
//
//	sqlx.BindDriver(driver.Name, sqlx.DOLLAR)
//
// For full configuration build a Config and use sql.OpenDB:
//
//	cfg, err := driver.ParseConfig(dsn)
//	cfg.Logger = slog.Default()
//	c, err := driver.NewConnector(cfg)
//	db := sql.OpenDB(c)
//
// # DSN keys
//
// A DSN is a PostgreSQL URL (postgres://...) or a keyword/value string, with
// every key pgx understands. ParseConfig also reads these keys and removes
// them before pgx sees the DSN (pgx would send unknown keys to the server as
// runtime parameters):
//
//   - setsession: one SQL statement run on every new connection; repeat the
//     key for more. All run in one transaction. In a URL, percent-encode the
//     statement (%20 for a space; '+' is not a space).
//   - ping_after_idle: a Go duration (default 1s). A connection idle longer
//     than this is pinged before reuse; 0 pings on every reuse, a negative
//     value never pings.
//   - reconnect_interval: a Go duration (default 500ms). After a failed dial,
//     new connections fail at once for this long.
//   - hstore: a boolean (default false). Register hstore on every connection.
//   - max_lifetime, max_lifetime_jitter, health_check_period: Go durations
//     for package pool (its Options.MaxLifetime, MaxLifetimeJitter and
//     HealthCheckPeriod, applied when those are zero). "0" means the pool's
//     default (1h, a tenth of max_lifetime, 1m); a negative value turns
//     the feature off.
//   - max_waiting: a count for package pool (its Options.MaxWaiting,
//     applied when that is zero): with that many callers waiting for a
//     connection, the next fails at once. "0", the default, is no limit.
//   - read_groups: a boolean for package pool (default false); true turns
//     its read groups on (its Options.ReadGroups).
//
// A bad value gives a *ConfigError naming the key. No error, log line or
// Stats value carries the password; Redact masks it in a DSN.
//
// # Setsession
//
// Config.SetSession runs on every new physical connection, reconnects
// included. If a statement fails the connection is closed and the caller gets
// a *SetSessionError wrapping the server's error (Momoko ignored it).
//
// # Credentials per dial
//
// Config.BeforeConnect runs before every dial with a copy of ConnConfig for
// that dial alone: set Password there to a token that expires (a cloud IAM
// token), and each new connection gets a current one while the connections
// open keep theirs (PostgreSQL checks a password only when a session
// starts). A hook's error fails its dial with an error wrapping
// ErrBeforeConnect and counts as a failed dial for the reconnect gate. A DSN
// cannot carry a function: build a Config and use NewConnector.
//
// # Ping on acquire
//
// Before database/sql reuses an idle connection, stdlib pings it when it has
// been idle longer than PingAfterIdle. A failed ping discards the connection
// and database/sql takes or opens another: the caller never sees the dead one.
// A connection left inside a transaction is discarded too.
//
// # Reconnect interval
//
// While the database is up, dials run in parallel. A failed dial is confirmed
// before anyone else fails: its caller dials once more at once, and callers
// arriving meanwhile wait for that outcome, so a network blip that cut one
// handshake fails nobody while the server is up. A dial that ran into its
// connect_timeout is not confirmed: waiting twice would tell little more.
// When the confirmation fails too the database is considered down: for
// ReconnectInterval every Connect fails at once with an *UnavailableError,
// which wraps ErrDatabaseNotAvailable and the dial error. After that one
// caller dials as a probe and callers arriving meanwhile wait for its outcome
// instead of dialing, so a dead server never gets a stampede. The
// confirmation costs at most one extra dial per outage; a failed probe is not
// confirmed. A dial abandoned by its caller's context says nothing about the
// server and does not trip the gate: set connect_timeout in the DSN so a dial
// to an unreachable host fails by itself.
//
// # Safe retry
//
// database/sql runs a statement again on another connection when the driver
// says driver.ErrBadConn. The driver says so only when provably nothing was
// sent: each connection counts the bytes it writes, and a call that failed
// without writing any is safe to run again. A connection that broke after
// anything of the statement was written gives ErrConnectionLost instead: the
// statement may have run, so it is not retried. A context that ended before
// the call sends nothing and returns the context's error; the connection and
// its session (temporary tables, SET, prepared statements) stay. Classify
// says what a caller may do about any error: retry, check (connection lost:
// outcome unknown), rerun the transaction (serialization failure, deadlock)
// or give up. Nothing is remembered between calls.
//
// # Types
//
// Config.Hstore and EnableHstore register pgx's binary hstore codec (OID
// looked up on each connection), Config.JSON and EnableJSON replace the JSON
// functions, on every connection including later ones. database/sql itself
// receives hstore columns as their text form (a string such as
// `"a"=>"1", "b"=>NULL`), whether or not the codec is registered, so any
// sql.Scanner that parses that text works; json and jsonb arrive as []byte.
// The codecs serve query arguments and pgx-native code reached through
// (*sql.Conn).Raw.
//
// # pgx compatibility
//
// Connections wrap pgx's *stdlib.Conn and, like it, have a Conn method:
// (*sql.Conn).Raw hands one out, and asserting interface{ Conn() *pgx.Conn }
// gives the *pgx.Conn for COPY, LISTEN/NOTIFY and other pgx-native work. pgx DSN keys and pgx.NamedArgs work as with the "pgx"
// driver.
package driver
