package engine

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/internal/stmtcache"
)

// Config is what an Engine is told of the pool it serves. Every field
// may be left zero.
type Config struct {
	// StatementPrefix names the statements the engine prepares; it must
	// differ between engines that may serve the same session in turn.
	StatementPrefix string
	// Types is the map results are decoded with outside the connection,
	// shared by the engines of a pool. Default: one of the engine's own.
	Types *SharedTypes
	// ServerTime is told how long the server took on each prepared
	// statement: from when the results ahead of it were read, or from half
	// a round trip after it was written to an idle server (roundtrip.go),
	// to when its result was in, less the other half.
	ServerTime func(sql string, d time.Duration)
	// QueryTimes is told, for each traced statement, where its time went
	// (see Times), with the context its tracer's start returned.
	QueryTimes func(trace context.Context, conn *pgx.Conn, t Times)
	// Lost is the error a tracer is told of a statement whose connection
	// broke with err while it was in flight. Default: err.
	Lost func(err error) error
	// TimeRoundTrips: the engine times its connection's round trip, by a
	// Sync written ahead of its first few writes to an idle connection,
	// and takes it out of ServerTime's service times (roundtrip.go).
	TimeRoundTrips bool
	// Writers turns read groups on (see group.go), and remembers what
	// they found to write; the engines of a pool share it. Default nil:
	// every batch keeps a Sync of its own.
	Writers *Writers
}

// Engine writes statements to one pgx connection and reads their results,
// many in flight at once, each followed by its own Sync so that every
// statement keeps its own implicit transaction. It speaks the extended
// protocol through pgconn's frontend itself: pgconn's own pipeline mode
// keeps a list element per message, which would cost more than the rest of
// a statement. One goroutine uses it, and its state is its own; between
// reads the connection is idle to pgx, so pgx's own calls work whenever
// nothing is in flight.
type Engine struct {
	cfg   Config
	conn  *pgx.Conn
	pg    *pgconn.PgConn
	fe    *pgproto3.Frontend
	types *pgtype.Map
	cache *stmtcache.Cache
	eqb   pgx.ExtendedQueryBuilder

	sent        []expect // in the order the server answers; sent[head:] are pending
	head        int
	flushed     int                   // sent[:flushed] were written to the server
	preparing   map[string]error      // SQL with a Prepare in flight, or the error it failed with
	evicted     []*stmtcache.Prepared // to deallocate with the next write
	lastRead    time.Time
	unflushed   bool
	bound       bool          // the statement last read got past its Bind
	probe       *socketProbe  // looks whether the server closed the idle connection
	tracers     tracers       // the ConnConfig's Tracer, by what it traces
	skipping    bool          // the server skips to the next Sync after an error
	rtt         time.Duration // the quickest round trip timed (roundtrip.go); 0 before
	rttFrom     time.Time     // when the Sync being timed left the client
	rttFlushing bool          // a Sync to time waits for its write
	rttTimed    int           // round trips timed so far

	open             *group   // the read group being written; nil if none
	groups           []*group // read groups opened and not yet settled, oldest first
	ready            []*Batch // members of read groups that ended, to hand back in order
	readyAt          int      // ready[readyAt:] are still to hand back
	isolationRefused bool     // a group's guard found the isolation not read committed
}

// New makes the engine of conn, which it uses alone from now on.
func New(conn *pgx.Conn, cfg Config) *Engine {
	if cfg.Types == nil {
		cfg.Types = new(SharedTypes)
	}
	if cfg.Lost == nil {
		cfg.Lost = func(err error) error { return err }
	}
	pg := conn.PgConn()
	return &Engine{
		cfg: cfg, conn: conn, pg: pg, fe: pg.Frontend(), types: conn.TypeMap(),
		cache: stmtcache.New(cfg.StatementPrefix), preparing: make(map[string]error),
		probe: newSocketProbe(pg.Conn()), tracers: tracersOf(conn.Config().Tracer),
	}
}

// Conn is the engine's connection, for what pgx runs itself while
// nothing is in flight.
func (w *Engine) Conn() *pgx.Conn { return w.conn }

// InFlight reports whether results are still to be read, or members of a
// read group to be handed back.
func (w *Engine) InFlight() bool { return w.head < len(w.sent) || w.HandingBack() }

// TxStatus is the connection's transaction status after the last result
// read: 'I' idle, 'T' in a transaction, 'E' in a failed one.
func (w *Engine) TxStatus() byte { return w.pg.TxStatus() }

type expectKind uint8

const (
	expectStatement expectKind = iota
	expectPrepare
	expectDeallocate
	expectSync
	expectGuard // a read group's first statement
)

// expect is one result the server will send, in the order they were
// written: a pipeline's results come back in that order.
type expect struct {
	kind  expectKind
	b     *Batch
	prep  *stmtcache.Prepared
	sql   string
	last  bool   // the final Sync of b
	timed bool   // a lone Sync timed for the round trip (roundtrip.go)
	g     *group // the read group a member, a guard or a Sync belongs to

	describe bool // a RowDescription comes first
	position bool // the WAL position read after b (Batch.PositionAfter)

	trace context.Context // what the tracer's start returned; nil untraced
}

func (w *Engine) expect(e ...expect) {
	// What was read is dropped once it is half the array, so that a
	// pipeline that never drains does not grow for good.
	if w.head > 0 && w.head*2 >= len(w.sent) {
		n := copy(w.sent, w.sent[w.head:])
		clear(w.sent[n:])
		w.sent, w.flushed, w.head = w.sent[:n], max(w.flushed-w.head, 0), 0
	}
	w.sent = append(w.sent, e...)
}
