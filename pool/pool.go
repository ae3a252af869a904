package pool

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
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
	slots     *slots
	workers   *workers

	// fillMu serializes fill: two fills each holding some slots while
	// waiting for more would wait for each other forever.
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
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.SetSession = append(cfg.SetSession, o.SetSession...)
	cfg.ReconnectInterval = o.ReconnectInterval
	switch {
	case o.PingAfterIdle < 0:
		cfg.PingAfterIdle = -1
	case o.PingAfterIdle > 0:
		cfg.PingAfterIdle = o.PingAfterIdle
	}
	if cfg.Logger == nil {
		cfg.Logger = opts.Logger
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	p := newPool(sql.OpenDB(connector), o)
	p.connector = connector
	return p, nil
}

// Open is New followed by Connect.
func Open(ctx context.Context, dsn string, opts Options) (*Pool, error) {
	p, err := New(dsn, opts)
	if err != nil {
		return nil, err
	}
	if _, err := p.Connect(ctx).Await(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// FromDB wraps any *sql.DB, such as one from sqlmock or another driver, and
// takes ownership of it: Close closes db, and the pool sets db's connection
// limits. Features that need the momoko driver (RegisterHstore,
// RegisterJSON, Conn.Raw, dial statistics) return ErrNeedsMomokoDriver.
// With another driver the pool cannot see a transaction left open on a
// connection, so PutConn and Manage cannot end it: end transactions
// yourself. It returns an error for invalid opts.
func FromDB(db *sql.DB, opts Options) (*Pool, error) {
	if db == nil {
		return nil, errors.New("momoko: FromDB: nil *sql.DB")
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
	return &Pool{db: db, opts: o, slots: newSlots(o.MaxSize), workers: newWorkers(o.MaxSize), ctx: ctx, cancel: cancel}
}

// DB is the underlying *sql.DB, for code that needs database/sql itself.
// Connections taken from it directly bypass the pool's queue and counts.
func (p *Pool) DB() *sql.DB { return p.db }

// Options returns the pool's options with defaults filled in.
func (p *Pool) Options() Options { return p.opts }

// Close closes the pool: every waiting and later call resolves with
// ErrPoolClosed, background work stops, idle connections close and
// connections in use close when they are put back. Nothing reconnects
// afterwards. Closing twice returns a *PoolError wrapping ErrPoolClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return &PoolError{Op: "close", Err: ErrPoolClosed}
	}
	p.closed = true
	p.cancel()
	p.mu.Unlock()

	p.slots.close()
	p.workers.close()
	p.maintains.Wait()
	return p.db.Close()
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
