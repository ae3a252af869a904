package pool

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/replica"
)

// NewWithConfig is New for a configuration built in code, as pgxpool's
// ParseConfig and NewWithConfig: parse a DSN with driver.ParseConfig, then
// set what a DSN cannot carry (ConnConfig.Tracer, ConnConfig.DialFunc,
// BeforeConnect, AfterConnect, a JSON codec). cfg is not modified; the
// pool's SetSession statements are added to cfg's.
//
// cfg.BeforeConnect runs before every dial of the pool's connections, and
// of the connection that checks the primary for Options.Replicas, with a
// copy of the dial's ConnConfig: set its Password to a token that expires
// (a cloud IAM token) and every new connection gets a current one, while
// the connections open keep serving (Reset replaces them, when they must
// go). A hook that fails fails its dial (an error wrapping
// driver.ErrBeforeConnect) and counts as a failed dial for the fail-fast
// gate. Standbys, configured by their DSNs, dial without it.
//
// A ConnConfig.Tracer is used as given: the driver installs no tracer of
// its own, so there is nothing to combine it with (to use several, combine
// them first with pgx's multitracer.New). It sees every statement: pgx
// calls it for what runs through pgx's own methods (connecting, the
// statements of DB, WithConn, BeginFunc and Raw, the simple protocol and
// exec modes), and the pool for the statements it pipelines (Execute,
// Transaction, CallProc, a Conn's, Replica's reads, on the standbys too
// unless their DSN's config has a tracer), as pgx would: TraceQueryStart as
// each statement is written, with its caller's context, TraceQueryEnd once
// its result is read; a pgx.PrepareTracer sees the pool's Prepares, and a
// QueryTimesTracer where each statement's time went.
func NewWithConfig(cfg *driver.Config, opts Options) (*Pool, error) {
	if cfg == nil {
		return nil, fmt.Errorf("%w: nil *driver.Config", ErrInvalidOptions)
	}
	c := *cfg
	given := opts // a standby's DSN fills what the caller left zero, not the primary's
	opts.fromDSN(&c)
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	c.SetSession = append(slices.Clip(cfg.SetSession), o.SetSession...)
	c.ReconnectInterval = o.ReconnectInterval
	c.PingAfterIdle = o.PingAfterIdle
	if c.Logger == nil {
		c.Logger = opts.Logger
	}
	var members []*member
	if len(o.Replicas.Standbys) > 0 {
		if members, err = newMembers(o.Replicas, given, o.Logger, cfg.ConnConfig.Tracer); err != nil {
			return nil, err
		}
	}
	connector, err := driver.NewConnector(&c)
	if err != nil {
		closeMembers(members)
		return nil, err
	}
	openDB := sql.OpenDB
	if o.OpenDB != nil {
		openDB = o.OpenDB
	}
	p := newPool(openDB(connector), o)
	p.connector = connector
	p.pipelines = connector.Pipelines()
	p.notifyHook = cfg.ConnConfig.OnNotification != nil
	if members != nil {
		p.replicas = &replicas{opts: o.Replicas, members: members, history: replica.NewHistory(o.Replicas.MaxReplicaLag, o.Replicas.CheckPeriod),
			primary: newMonitor(cfg), checked: make(chan struct{})}
	}
	return p, nil
}

// OpenWithConfig is NewWithConfig followed by Connect.
func OpenWithConfig(ctx context.Context, cfg *driver.Config, opts Options) (*Pool, error) {
	ctx = nilctx.Or(ctx)
	p, err := NewWithConfig(cfg, opts)
	if err != nil {
		return nil, err
	}
	if _, err := p.Connect(ctx).Await(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// fromDBOptions rejects the options FromDB cannot apply: they act through
// the momoko driver, and a *sql.DB opened elsewhere has its connector
// already.
func fromDBOptions(o Options) error {
	switch {
	case len(o.SetSession) > 0:
		return fmt.Errorf("%w: FromDB cannot apply SetSession: use the momoko driver's setsession, or New", ErrInvalidOptions)
	case o.PingAfterIdle != 0:
		return fmt.Errorf("%w: FromDB cannot apply PingAfterIdle: use New", ErrInvalidOptions)
	case o.OpenDB != nil:
		return fmt.Errorf("%w: FromDB cannot apply OpenDB: the *sql.DB is open already", ErrInvalidOptions)
	case len(o.Replicas.Standbys) > 0:
		return fmt.Errorf("%w: FromDB cannot open standbys: use New", ErrInvalidOptions)
	}
	return nil
}
