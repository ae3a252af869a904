package pool

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// listenStepTimeout bounds a reconnection (dial and LISTEN) and each
// LISTEN or UNLISTEN: a connection into a partition, or a dial without
// connect_timeout, would otherwise hold the listener for minutes.
const listenStepTimeout = 5 * time.Second

// listenConn is the listener's connection: the driver's, which closes it,
// and pgx's underneath.
type listenConn struct {
	dc sqldriver.Conn
	pc *pgx.Conn
}

func (c listenConn) close() { _ = c.dc.Close() }

// open dials a connection through the pool's connector and listens on
// every channel there.
func (l *Listener) open(ctx context.Context) (listenConn, error) {
	dc, err := l.p.connector.Connect(ctx)
	if err != nil {
		return listenConn{}, err
	}
	raw, ok := dc.(interface{ Conn() *pgx.Conn })
	if !ok {
		_ = dc.Close()
		return listenConn{}, ErrNeedsMomokoDriver
	}
	c := listenConn{dc, raw.Conn()}
	if err := l.relisten(ctx, c.pc); err != nil {
		c.close()
		return listenConn{}, err
	}
	return c, nil
}

// relisten makes a new connection listen on every channel of the set,
// following the Listen and Unlisten calls made meanwhile, and marks the
// listener connected: from then on, changes reach it as commands.
func (l *Listener) relisten(ctx context.Context, pc *pgx.Conn) error {
	on := make(map[string]bool)
	for {
		l.mu.Lock()
		var listen, unlisten []string
		for ch := range l.channels {
			if !on[ch] {
				listen = append(listen, ch)
			}
		}
		for ch := range on {
			if !l.channels[ch] {
				unlisten = append(unlisten, ch)
			}
		}
		if len(listen) == 0 && len(unlisten) == 0 {
			l.connected = true
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		slices.Sort(listen)            // one order, for the server's log
		ql, _ := quoteChannels(listen) // in the set, so valid
		qu, _ := quoteChannels(unlisten)
		if err := l.exec(ctx, pc, sqltext.ListenSQL("LISTEN", ql)+sqltext.ListenSQL("UNLISTEN", qu)); err != nil {
			return err
		}
		for _, ch := range listen {
			on[ch] = true
		}
		for _, ch := range unlisten {
			delete(on, ch)
		}
	}
}

// exec runs LISTEN or UNLISTEN statements, in one implicit transaction,
// with the simple protocol: nothing is prepared. Notifications that
// arrive meanwhile wait in pgx for WaitForNotification.
func (l *Listener) exec(ctx context.Context, pc *pgx.Conn, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, listenStepTimeout)
	defer cancel()
	_, err := pc.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

// run is the listener's goroutine: it serves c, and each connection after
// it, until the listener ends.
func (l *Listener) run(c listenConn) {
	defer l.p.maintains.Done()
	defer close(l.done)
	defer l.end(ErrPoolClosed) // unless Close ended it first
	for {
		cause := l.serve(c.pc)
		c.close()
		if l.ctx.Err() != nil {
			return
		}
		l.lost(cause)
		lostAt := time.Now()
		var ok bool
		if c, ok = l.reconnect(); !ok {
			return
		}
		l.reconnected(cause, time.Since(lostAt))
	}
}

// serve delivers pc's notifications and runs the listener's commands on
// it until pc breaks, returning why, or the listener ends.
func (l *Listener) serve(pc *pgx.Conn) error {
	for l.ctx.Err() == nil {
		if err := l.runCommands(pc); err != nil {
			return err
		}
		n, err := l.wait(pc)
		if err != nil {
			return err
		}
		if n != nil {
			l.deliver(n)
		}
	}
	return nil
}

// wait waits for a notification until a command arrives. After
// HealthCheckPeriod of silence it pings, so that a connection a NAT or
// firewall dropped without a word is found and replaced: reading alone
// would wait on it forever. It returns an error when pc broke.
func (l *Listener) wait(pc *pgx.Conn) (*pgconn.Notification, error) {
	period := l.p.opts.HealthCheckPeriod
	var ctx context.Context
	var cancel context.CancelFunc
	if period > 0 {
		ctx, cancel = context.WithTimeout(l.ctx, period)
	} else {
		ctx, cancel = context.WithCancel(l.ctx)
	}
	defer cancel()
	l.mu.Lock()
	if len(l.cmds) > 0 {
		l.mu.Unlock()
		return nil, nil
	}
	l.interrupt = cancel
	l.mu.Unlock()
	n, err := pc.WaitForNotification(ctx)
	l.mu.Lock()
	l.interrupt = nil
	l.mu.Unlock()
	switch {
	case n != nil || err == nil:
		return n, nil
	case pc.IsClosed():
		return nil, err
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && l.ctx.Err() == nil:
		timeout := healthPingTimeout(period)
		pingCtx, cancel := context.WithTimeout(l.ctx, timeout)
		defer cancel()
		if err := pc.Ping(pingCtx); err != nil {
			return nil, fmt.Errorf("momoko: listener: no answer to a ping within %v after %v of silence: %w", timeout, period, err)
		}
		return nil, nil
	case ctx.Err() != nil:
		return nil, nil // a command, or the end
	}
	return nil, err
}

// runCommands runs the commands queued for pc. When pc breaks, those not
// run are answered as if they had: the next connection listens on every
// channel of the set.
func (l *Listener) runCommands(pc *pgx.Conn) error {
	for {
		l.mu.Lock()
		cmds := l.cmds
		l.cmds = nil
		l.mu.Unlock()
		if len(cmds) == 0 {
			return nil
		}
		for i, c := range cmds {
			err := l.exec(l.ctx, pc, c.sql)
			var pgErr *pgconn.PgError
			if err != nil && (pc.IsClosed() || !errors.As(err, &pgErr)) {
				for _, c := range cmds[i:] {
					c.reply(nil)
				}
				return err
			}
			if err != nil {
				l.forget(c.added)
			}
			c.reply(err)
		}
	}
}

// forget takes channels the server refused out of the set.
func (l *Listener) forget(channels []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range channels {
		delete(l.channels, ch)
	}
}

// deliver queues n for the readers, unless its channel is no longer
// listened to.
func (l *Listener) deliver(n *pgconn.Notification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.channels[n.Channel] || l.err != nil {
		return
	}
	l.stats.Received++
	l.pushLocked(Notification{Channel: n.Channel, Payload: n.Payload, PID: n.PID})
}
