package pool

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reset replaces every connection of the pool, for a rotated credential
// (driver.Config.BeforeConnect gives the new connections the new one) or
// a failover: idle connections are closed now, busy ones once what was
// given to them is done (statements written or queued, a pipeline, a
// transaction), a Conn's when it is put back, and one being dialed once
// it has served what it was dialed for. No call fails for it. Reset
// returns at once; each connection closed is replaced while the pool is
// below Options.Size, and calls meanwhile go to new connections or wait
// for one, as when the pool is busy. Stats.Closes.Reset counts the
// connections closed, each logged at debug level with cause "reset".
//
// The idle connections of the pool's *sql.DB are closed too. One that a
// caller of DB held through Reset goes back to database/sql, which may
// lend it to DB's callers again; the pool closes it instead of serving
// on it (a pool made by FromDB over another driver than momoko's cannot
// tell such a connection from a new one, and serves on it). Standbys
// (Options.Replicas) are reset too. On a closed pool Reset does nothing.
func (p *Pool) Reset() {
	if p.isClosed() {
		return
	}
	// database/sql closes its idle connections when it may keep none.
	// First: the connections replaced below would otherwise take them,
	// only to find them dialed before Reset and close them one by one.
	p.db.SetMaxIdleConns(-1)
	p.db.SetMaxIdleConns(p.opts.MaxSize)
	n, ok := p.disp.reset()
	if !ok {
		return
	}
	p.opts.Logger.Info("momoko: pool reset", slog.Int("connections", n))
	if p.replicas != nil {
		for _, m := range p.replicas.members {
			m.pool.Reset()
		}
	}
}

// reset dooms every owner, dialing ones included, and remembers when, so
// that a connection dialed before is not served on (openConn). It
// reports how many owners it doomed, and false when the pool is closed.
func (d *dispatcher) reset() (int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return 0, false
	}
	d.resetAt = time.Now()
	doomed := 0
	for _, o := range d.all {
		if d.doom(o, closeReset) {
			doomed++
		}
	}
	return doomed, true
}

// openConn takes a connection from database/sql for o. One whose dial
// began before the last Reset (a caller of p.DB() held it through Reset
// and put it back) is closed instead, and another taken; database/sql
// keeps a bounded number of idle connections, so this ends. asked: when
// the connection returned was asked for.
func (o *owner) openConn(ctx context.Context) (sc *sql.Conn, asked time.Time, err error) {
	d := o.d
	for {
		asked = time.Now()
		sc, err = d.p.db.Conn(ctx)
		if err != nil {
			return nil, asked, err
		}
		born, from, pid := dialedAt(sc)
		d.mu.Lock()
		// One dialed for this owner is not: Reset dooms the owner itself.
		stale := from.Before(asked) && !from.After(d.resetAt)
		if stale {
			d.closes[closeReset]++
		}
		d.mu.Unlock()
		if !stale {
			return sc, asked, nil
		}
		discard(sc)
		sc.Close()
		d.p.logClose(closeReset, born, pid)
	}
}

// dialedAt is when sc's connection was dialed and when its dial began
// (now for both, for drivers that do not say), and its server process (0
// if unknown).
func dialedAt(sc *sql.Conn) (born, from time.Time, pid uint32) {
	_ = sc.Raw(func(dc any) error {
		dc = unwrapConn(dc)
		born, _ = bornOf(dc)
		from = born
		if c, ok := dc.(interface{ DialStartedAt() time.Time }); ok {
			from = c.DialStartedAt()
		}
		if pc, ok := dc.(interface{ Conn() *pgx.Conn }); ok {
			pid = pc.Conn().PgConn().PID()
		}
		return nil
	})
	return born, from, pid
}
