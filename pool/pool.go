package pool

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
)

// Pool is Momoko's connection pool on a *sql.DB: every call returns a
// future, callers beyond MaxSize queue in FIFO order, the pool stretches
// from Size to MaxSize under load and shrinks back, repairs its floor after
// connections are lost, and fails fast while the server is down.
//
// A Pool is safe for concurrent use. Close it when done.
type Pool struct {
	db        *sql.DB
	connector *driver.Connector // nil for FromDB
	opts      Options
	disp      *dispatcher
	owners    sync.WaitGroup // owner goroutines
	pipelines bool           // the driver's query mode is one that pipelines
	// notifyHook: ConnConfig.OnNotification is set, and pgx hands every
	// notification to it, none to a Listener.
	notifyHook bool

	// replicas routes Replica's reads; nil without standbys.
	replicas    *replicas
	replicaView Replica

	lat       latencies // Stats.Latency
	decode    engine.SharedTypes
	writers   *engine.Writers // what read groups found to write; nil: groups off
	speeds    speeds
	procKinds sync.Map // CallProc name → true for a procedure
	sessions  sessionWatch

	// fillMu serializes fill.
	fillMu sync.Mutex

	mu        sync.Mutex
	connect   *future.Future[*Pool] // the first Connect; nil until it starts
	connected atomic.Bool           // the first Connect has finished: calls need not look
	closed    bool
	ctx       context.Context // ends when Close is called: background work stops
	cancel    context.CancelFunc
	dead      int // floor connections whose last dial failed
	maintains sync.WaitGroup
}

// New validates dsn and opts and returns a pool that has not connected yet:
// no I/O happens. Connect opens its connections; a call made before Connect
// connects the pool itself.
func New(dsn string, opts Options) (*Pool, error) {
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return NewWithConfig(cfg, opts)
}

// Open is New followed by Connect.
func Open(ctx context.Context, dsn string, opts Options) (*Pool, error) {
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenWithConfig(ctx, cfg, opts)
}

// FromDB wraps any *sql.DB, such as one from sqlmock or another driver, and
// takes ownership of it: Close closes db, and the pool sets db's connection
// limits. Options that need the momoko driver (SetSession, PingAfterIdle,
// OpenDB) make it fail with ErrInvalidOptions. Features that need
// the momoko driver (RegisterHstore, RegisterJSON, Conn.Raw, dial
// statistics) return ErrNeedsMomokoDriver.
// With another driver the pool cannot see a transaction left open on a
// connection, so PutConn and Manage cannot end it: end transactions
// yourself. It returns an error for invalid opts.
func FromDB(db *sql.DB, opts Options) (*Pool, error) {
	if db == nil {
		return nil, errors.New("momoko: FromDB: nil *sql.DB")
	}
	if err := fromDBOptions(opts); err != nil {
		return nil, err
	}
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return newPool(db, o), nil
}

func newPool(db *sql.DB, o Options) *Pool {
	// The pool does its own shrinking (database/sql has no floor) and its
	// own queueing (database/sql's is not FIFO).
	db.SetMaxOpenConns(o.MaxSize)
	db.SetMaxIdleConns(o.MaxSize)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{db: db, opts: o, ctx: ctx, cancel: cancel}
	p.replicaView.p = p
	p.lat.since = time.Now()
	p.disp = newDispatcher(p, o)
	if o.ReadGroups && o.MaxPipeline > 1 {
		p.writers = new(engine.Writers)
	}
	return p
}

// DB is the underlying *sql.DB, for code that needs database/sql itself.
// It shares MaxSize with the pool: connections taken from it directly
// count against it, bypassing the pool's queue. It stays the pool's: do
// not close it, nor give it to tools that do (golang-migrate's
// Migrate.Close closes the database it was given; goose does not). Once it
// is closed, calls that need a new connection fail with an error wrapping
// ErrPoolClosed.
func (p *Pool) DB() *sql.DB { return p.db }

// Options returns the pool's options with defaults filled in.
func (p *Pool) Options() Options { return p.opts }

// Close closes the pool: every waiting and later call resolves with
// ErrPoolClosed, background work stops, and every connection closes once
// the statements written to it have finished; Close waits for that.
// Connections taken with GetConn close too, after what was submitted on
// them, and those of open streams once their rows are closed (Close
// waits for them, as pgxpool waits for connections acquired). Nothing
// reconnects afterwards. Closing twice returns a *PoolError wrapping
// ErrPoolClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return &PoolError{Op: "close", Err: ErrPoolClosed}
	}
	p.closed = true
	p.cancel()
	p.mu.Unlock()
	if p.replicas != nil {
		// Reads from now on find no standby, and resolve with
		// ErrPoolClosed.
		for _, m := range p.replicas.members {
			m.Usable.Store(false)
		}
	}

	p.disp.close()
	p.maintains.Wait()
	p.owners.Wait()
	if p.replicas != nil {
		closeMembers(p.replicas.members)
	}
	return p.db.Close()
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
