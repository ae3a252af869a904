package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// Connector is a database/sql driver.Connector that opens connections
// through pgx's stdlib and adds momoko's per-connection behaviour:
// setsession, ping on acquire, the reconnect gate and type registration.
// Connections it returns wrap pgx's *stdlib.Conn and, like it, have a
// Conn() *pgx.Conn method, so (*sql.Conn).Raw code written for pgx works
// through interface{ Conn() *pgx.Conn }. Use it with sql.OpenDB.
type Connector struct {
	cfg   *Config
	base  driver.Connector
	gate  *gate
	types typeRegistry

	closed   atomic.Bool
	closeCtx context.Context // canceled by Close to stop dials in flight
	cancel   context.CancelFunc
}

// NewConnector validates cfg and returns a Connector using a copy of it.
func NewConnector(cfg *Config) (*Connector, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	c := &Connector{cfg: cfg, gate: newGate(cfg.ReconnectInterval, cfg.Logger)}
	c.types.hstore.Store(cfg.Hstore)
	if cfg.JSON != nil {
		c.types.json.Store(newJSONCodecs(*cfg.JSON))
	}
	c.closeCtx, c.cancel = context.WithCancel(context.Background())
	connConfig := *cfg.ConnConfig
	connConfig.DialFunc = meteredDial(cfg.ConnConfig.DialFunc)
	opts := []stdlib.OptionOpenDB{
		stdlib.OptionAfterConnect(c.afterConnect),
		stdlib.OptionResetSession(c.resetSession),
		stdlib.OptionShouldPing(c.shouldPing),
	}
	if cfg.BeforeConnect != nil {
		opts = append(opts, stdlib.OptionBeforeConnect(c.beforeConnect))
	}
	c.base = stdlib.GetConnector(connConfig, opts...)
	return c, nil
}

// Connect opens a physical connection, unless the reconnect gate says the
// database is down, in which case it fails at once with an *UnavailableError.
// A connection whose setup fails (setsession, types, AfterConnect) is closed
// and that error returned; it does not count as the database being down.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	ctx = nilctx.Or(ctx)
	if c.closed.Load() {
		return nil, ErrConnectorClosed
	}
	conn, err := c.connectGated(ctx)
	if c.closed.Load() {
		if conn != nil {
			_ = conn.Close() // opened while closing; nothing may keep it
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConnectorClosed, err)
		}
		return nil, ErrConnectorClosed
	}
	return conn, err
}

// connectGated dials through the reconnect gate, dialing once more at once
// when the gate asks for a failure to be confirmed.
func (c *Connector) connectGated(ctx context.Context) (driver.Conn, error) {
	ticket, err := c.gate.enter(ctx, false)
	for err == nil {
		conn, dialErr := c.dialCancelable(ctx)
		serverErr, conclusive := c.judge(ctx, dialErr)
		switch ticket.finish(serverErr, conclusive) {
		case stepRedial:
			continue
		case stepRejoin:
			ticket, err = c.gate.enter(ctx, true)
			continue
		}
		var setupErr *setupError
		if errors.As(dialErr, &setupErr) {
			dialErr = setupErr.err
		}
		return conn, dialErr
	}
	return nil, err
}

// judge says what a dial's outcome tells of the server: the error to record
// (nil when the server answered) and whether it tells anything at all. Only
// a dial the server or the network ended does; not one its caller, Close or
// a bad config ended.
func (c *Connector) judge(ctx context.Context, err error) (error, bool) {
	var setupErr *setupError
	var cfgErr *ConfigError
	if err == nil || errors.As(err, &setupErr) {
		return nil, true
	}
	return err, ctx.Err() == nil && !c.closed.Load() && !errors.As(err, &cfgErr)
}

// dialCancelable dials with a context that Close cancels too.
func (c *Connector) dialCancelable(ctx context.Context) (driver.Conn, error) {
	dialCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.closeCtx, cancel)
	defer stop()
	return c.dial(dialCtx)
}

// dial runs stdlib's Connect, turning pgx's panic on a ConnConfig that
// pgx.ParseConfig did not build into an error, and wraps the connection.
func (c *Connector) dial(ctx context.Context) (dc driver.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			dc, err = nil, &ConfigError{Key: "ConnConfig",
				Err: fmt.Errorf("not usable (build it with driver.ParseConfig or pgx.ParseConfig): %v", r)}
		}
	}()
	ctx, slot := withMeterSlot(ctx)
	from := time.Now()
	dc, err = c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	wire := slot.conn.Load()
	if wire == nil {
		// Without the count no failure could be judged; refuse rather than
		// guess.
		_ = dc.Close()
		return nil, errors.New("momoko: connection was not dialed through the connector's DialFunc")
	}
	return &conn{std: dc.(*stdlib.Conn), wire: wire, created: time.Now(), dialFrom: from}, nil
}

// Driver returns the momoko driver.
func (c *Connector) Driver() driver.Driver { return momokoDriver }

// Close stops c: dials in flight are canceled and later Connect calls fail
// with ErrConnectorClosed. database/sql calls it from DB.Close. It is safe to
// call more than once.
func (c *Connector) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.cancel()
		c.gate.log(context.Background(), slog.LevelDebug, "momoko: connector closed")
	}
	return nil
}

// Stats reports what the reconnect gate has done.
func (c *Connector) Stats() ConnectorStats { return c.gate.snapshot() }

// HasSetSession reports whether connections run setsession statements.
func (c *Connector) HasSetSession() bool { return len(c.cfg.SetSession) > 0 }
