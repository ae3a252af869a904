package pool

import (
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// Options configure a Pool. The zero value of every field means its
// default, which is Momoko's where Momoko had one.
type Options struct {
	// Size is how many connections Connect opens and the floor the pool
	// keeps open, re-opening connections that are lost. Default 1.
	Size int
	// MaxSize is how far the pool stretches under concurrent demand.
	// Default Size. Callers beyond MaxSize wait in FIFO order.
	MaxSize int
	// IgnoreConnectErrors makes Connect succeed even when some connections
	// failed to open (Momoko's raise_connect_errors=False). The pool repairs
	// them in the background either way.
	IgnoreConnectErrors bool
	// ReconnectInterval throttles dialing after a failed dial: within it,
	// calls fail at once with driver.ErrDatabaseNotAvailable instead of
	// waiting for a dead server. It is also how often the pool repairs its
	// floor. Default from the DSN's reconnect_interval, else 500ms.
	ReconnectInterval time.Duration
	// SetSession statements run in one transaction on every new physical
	// connection, reconnects included; they are added to any given by the
	// DSN. A failing statement fails the connection attempt. Session state
	// does not survive a pooler lending connections per transaction
	// (PgBouncer in transaction mode): Connect checks with SessionsPooled,
	// when Size is 2 or more, and warns through Logger.
	SetSession []string
	// OpenDB, when not nil, opens the pool's *sql.DB on the momoko
	// driver's connector in place of sql.OpenDB, for database/sql
	// middleware such as otelsql:
	//
	//	OpenDB: func(c driver.Connector) *sql.DB { return otelsql.OpenDB(c) }
	//
	// The pool keeps every feature of the momoko driver: it reaches the
	// driver's connections through the wrapper's Raw() driver.Conn method.
	// What goes through database/sql (DB, WithConn, BeginFunc) passes the
	// middleware; the statements of Execute, Transaction and the other
	// futures are written to the wire by the pool, pipelined, and the
	// middleware does not see them (see NewWithConfig about tracers).
	OpenDB func(sqldriver.Connector) *sql.DB
	// AfterRelease, when not nil, runs on a connection taken with GetConn
	// or Acquire as it goes back to the pool, after the pool's own clean-up
	// (UNLISTEN when the borrower may have listened), as pgxpool's: it
	// resets what else a borrower may leave (RESET ALL, DISCARD TEMP,
	// pg_advisory_unlock_all(); not DISCARD ALL nor DEALLOCATE ALL, which
	// drop the pool's own prepared statements). Returning false closes the
	// connection instead of reusing it. It is skipped on connections of a
	// driver other than pgx.
	AfterRelease func(*pgx.Conn) bool
	// AutoShrink closes connections idle for longer than ShrinkDelay,
	// checked every ShrinkPeriod, never going below Size: those idle
	// longest go first, and the pool reuses the one used last, so that the
	// rest stay idle and can go next time.
	AutoShrink bool
	// ShrinkDelay is the idle time after which AutoShrink closes a
	// connection. Default 2 minutes.
	ShrinkDelay time.Duration
	// ShrinkPeriod is how often AutoShrink looks. Default 2 minutes.
	ShrinkPeriod time.Duration
	// PingAfterIdle: a connection idle for longer is pinged before reuse,
	// and replaced without the caller noticing if the ping fails. Default
	// from the DSN's ping_after_idle, else 1s; negative never pings.
	// Options() shows 0 when the connector pings on every reuse (the
	// DSN's ping_after_idle=0).
	PingAfterIdle time.Duration
	// MaxLifetime bounds how long a connection lives: one older than its
	// lifetime is closed when it next goes idle, never while a statement,
	// pipeline, Conn or transaction holds it, and replaced at once when
	// that takes the pool below Size. It moves connections to a promoted
	// standby or a host a load balancer added, and bounds the memory a
	// long-lived server process accumulates. Default from the DSN's
	// max_lifetime, else 1h (DefaultMaxLifetime, pgxpool's): one reconnect
	// per connection per hour costs nothing measurable, and an hour is
	// short enough to follow a failover the same morning. Negative: no
	// limit.
	MaxLifetime time.Duration
	// MaxLifetimeJitter spreads the replacements: each connection lives
	// MaxLifetime plus a random share of the jitter, so that connections
	// opened together (by Connect, or after a restart) are not all
	// replaced at once. Default from the DSN's max_lifetime_jitter, else a
	// tenth of MaxLifetime (6 minutes for an hour: 50 connections are
	// replaced one every 7 seconds or so). Negative: no jitter.
	MaxLifetimeJitter time.Duration
	// HealthCheckPeriod: every period, the connections that have been idle
	// for at least half of it are pinged in the background, a quarter of
	// the idle ones at a time (at least one) so that the others stay ready
	// for callers; one that fails, or does not answer within the period
	// (at least 1s, at most 5s), is closed and replaced, and the floor is
	// repaired in the same pass. It finds connections that a NAT or
	// firewall dropped silently before a caller meets them, and its pings
	// keep such middleboxes from dropping idle connections in the first
	// place. PingAfterIdle is the other half: it pings on acquire, so it
	// catches what died since the last pass, at the cost of a round trip
	// on the caller's path; a connection pinged by the health check within
	// PingAfterIdle is not pinged again on acquire. Default from the DSN's
	// health_check_period, else 1m (DefaultHealthCheckPeriod, pgxpool's):
	// below the idle timeouts of common NAT gateways and load balancers (4
	// to 6 minutes). Negative: no background checks.
	HealthCheckPeriod time.Duration
	// AcquireTimeout bounds the wait for a connection, on top of the
	// caller's context; on expiry calls fail with ErrAcquireTimeout.
	// Default 0: only the caller's context bounds the wait.
	AcquireTimeout time.Duration
	// MaxWaiting bounds the pool's line: with that many callers already
	// waiting for a connection (requests no connection could take, and
	// GetConn, Acquire, WithConn, BeginFunc and Raw callers), the next call
	// that would have to wait fails at once with ErrTooManyWaiting instead
	// of joining them. An overload is then refused in microseconds, and
	// the callers admitted find a bounded line ahead of them rather than
	// one that grows with the overload. A call a connection can take at
	// once is never refused, nor is a request that was in line already
	// (its connection broke before writing it, or it moved off a late
	// pipeline): it goes back to the front, even beyond the limit. Each
	// standby (Replicas) bounds its own line alike. Stats.Queue.Refused
	// counts the refusals. Default from the DSN's max_waiting, else 0: no
	// limit.
	MaxWaiting int
	// LeakThreshold: a connection taken with GetConn and not put back
	// within it is reported through Logger with the stack that took it.
	// Default 0: no leak detection (it costs a stack capture per GetConn).
	LeakThreshold time.Duration
	// MaxPipeline is how many requests may be in flight at once on one
	// connection: concurrent futures share round trips by pipelining
	// behind each other's fast statements (statements not yet known to
	// finish within 250µs get a connection of their own). 1 turns
	// pipelining off. Default 32 (DefaultMaxPipeline): deep enough that 64
	// callers on a small pool keep every connection's pipeline full,
	// short enough that one round trip's worth of results stays small.
	MaxPipeline int
	// ReadGroups turns read groups on (MaxPipeline 1 keeps them off): lone
	// fast reads through the pool (SELECT, WITH, VALUES, TABLE, not changing
	// the session, not calling set_config) written to one connection in one
	// pass share one Sync, so the server ends one implicit transaction for all
	// of them rather than one each; BENCHMARKS.md has what that buys. A guard
	// first makes that transaction read-only, and refuses the group unless the
	// session's isolation is read committed (under repeatable read a later
	// member would read the snapshot an earlier one took). Results are held
	// until the group's end, since a later member's error rolls the whole
	// transaction back: the member that failed keeps its error, the others run
	// again (the server skipped them or rolled them back). A cut connection
	// fails the members in flight as lost, as it does any statement (the group
	// may have committed). A statement that writes after all (nextval, a
	// function that inserts) fails in its group with 25006, runs again alone,
	// and never joins a group again. Off by default, because sharing a
	// transaction changes what a statement can see of others: members share
	// the transaction's start (now(), after every member's call) and id
	// (txid_current()); a setting one makes local to its transaction
	// (set_config(..., true) inside a function) reaches the members after it,
	// other callers' statements; a function that catches the 25006 of its own
	// write (EXCEPTION WHEN OTHERS) returns as if it had written, and the
	// write is lost; what no rollback undoes (a session advisory lock, a
	// temporary sequence's nextval, taken inside a function) happens twice
	// when its member runs again; the locks a member takes are held until its
	// group's end; a member that fails makes the others of its group run
	// again. Turn them on where every lone statement through the pool is a
	// plain read. Stats.ReadGroups counts them. The server's logs and
	// pg_stat_statements show each group's guard. Default false, or the DSN's
	// read_groups=true.
	ReadGroups bool
	// Replicas are the pool's read replicas, which take the reads sent
	// through Replica. Default: none.
	Replicas ReplicaOptions
	// Logger receives reconnects, shrinks, connect failures and leaks.
	// Default: no logging. Passwords never reach it.
	Logger *slog.Logger
}

// Defaults applied by New and FromDB.
const (
	DefaultReconnectInterval = 500 * time.Millisecond
	DefaultShrinkDelay       = 2 * time.Minute
	DefaultShrinkPeriod      = 2 * time.Minute
	DefaultMaxLifetime       = time.Hour
	DefaultHealthCheckPeriod = time.Minute
)

// ErrInvalidOptions is wrapped by the error New and FromDB return for
// options that make no sense.
var ErrInvalidOptions = errors.New("momoko: invalid pool options")

// fromDSN takes the settings the DSN gives (momoko's keys, through cfg)
// where o leaves them zero. A DSN's reconnect_interval of 0 is the pool's
// default too, and a negative one is rejected, as in Options: the pool
// needs a period to repair its floor at.
func (o *Options) fromDSN(cfg *driver.Config) {
	if o.ReconnectInterval == 0 {
		o.ReconnectInterval = cfg.ReconnectInterval
	}
	if o.PingAfterIdle == 0 {
		o.PingAfterIdle = cfg.PingAfterIdle
	}
	if o.MaxLifetime == 0 {
		o.MaxLifetime = cfg.MaxLifetime
	}
	if o.MaxLifetimeJitter == 0 {
		o.MaxLifetimeJitter = cfg.MaxLifetimeJitter
	}
	if o.HealthCheckPeriod == 0 {
		o.HealthCheckPeriod = cfg.HealthCheckPeriod
	}
	if o.MaxWaiting == 0 {
		o.MaxWaiting = cfg.MaxWaiting
	}
	o.ReadGroups = o.ReadGroups || cfg.ReadGroups
}

// resolve checks o and fills in the defaults.
func (o Options) resolve() (Options, error) {
	if o.Size < 0 {
		return o, fmt.Errorf("%w: Size %d is negative", ErrInvalidOptions, o.Size)
	}
	if o.Size == 0 {
		o.Size = 1
	}
	if o.MaxSize == 0 {
		o.MaxSize = o.Size
	}
	if o.MaxSize < o.Size {
		return o, fmt.Errorf("%w: MaxSize %d is below Size %d", ErrInvalidOptions, o.MaxSize, o.Size)
	}
	if o.MaxPipeline < 0 {
		return o, fmt.Errorf("%w: MaxPipeline %d is negative", ErrInvalidOptions, o.MaxPipeline)
	}
	if o.MaxWaiting < 0 {
		return o, fmt.Errorf("%w: MaxWaiting %d is negative (0 is no limit)", ErrInvalidOptions, o.MaxWaiting)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"ReconnectInterval", o.ReconnectInterval},
		{"ShrinkDelay", o.ShrinkDelay},
		{"ShrinkPeriod", o.ShrinkPeriod},
		{"AcquireTimeout", o.AcquireTimeout},
		{"LeakThreshold", o.LeakThreshold},
	} {
		if d.v < 0 {
			return o, fmt.Errorf("%w: %s %v is negative", ErrInvalidOptions, d.name, d.v)
		}
	}
	if o.MaxPipeline == 0 {
		o.MaxPipeline = DefaultMaxPipeline
	}
	if o.ReconnectInterval == 0 {
		o.ReconnectInterval = DefaultReconnectInterval
	}
	if o.ShrinkDelay == 0 {
		o.ShrinkDelay = DefaultShrinkDelay
	}
	if o.ShrinkPeriod == 0 {
		o.ShrinkPeriod = DefaultShrinkPeriod
	}
	if o.MaxLifetime == 0 {
		o.MaxLifetime = DefaultMaxLifetime
	}
	if o.MaxLifetimeJitter == 0 && o.MaxLifetime > 0 {
		o.MaxLifetimeJitter = o.MaxLifetime / 10
	}
	if o.HealthCheckPeriod == 0 {
		o.HealthCheckPeriod = DefaultHealthCheckPeriod
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	o.Replicas, err = o.Replicas.resolve(o)
	return o, err
}
