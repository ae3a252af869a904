package pool

import (
	"context"
	"errors"

	"github.com/momoko-go/momoko/internal/nilctx"
)

// ErrNeedsTwoConnections: SessionsPooled compares two connections, which a
// pool with MaxSize 1 cannot hold at once.
var ErrNeedsTwoConnections = errors.New("momoko: SessionsPooled needs MaxSize of at least 2")

// SessionsPooled reports whether the pool's connections are lent out per
// transaction by a pooler such as PgBouncer in transaction mode, so that
// session state (setsession, SET, prepared statements, advisory locks,
// LISTEN) does not stay with a connection.
//
// A PostgreSQL session keeps its backend for its whole life and shares it
// with no other session. So it remembers the backend of connection a, holds
// a transaction open on connection b, and asks a again: sessions are pooled
// if b ran on a's backend or a moved to another. It is a heuristic: a
// pooler that lends the same server connection every time goes unseen;
// PgBouncer lends the most recently used one first, which is a's.
//
// It takes two connections at once: with MaxSize 2, a caller holding a
// connection from GetConn waits until ctx ends.
func (p *Pool) SessionsPooled(ctx context.Context) (bool, error) {
	ctx = nilctx.Or(ctx)
	if err := p.awaitConnected(ctx); err != nil {
		return false, err
	}
	return p.sessionsPooled(ctx)
}

func (p *Pool) sessionsPooled(ctx context.Context) (bool, error) {
	if p.opts.MaxSize < 2 {
		return false, ErrNeedsTwoConnections
	}
	// One holds a connection while it waits for a second: two at once
	// could each hold one and wait for ever.
	p.fillMu.Lock()
	defer p.fillMu.Unlock()
	a, err := p.pinned(ctx)
	if err != nil {
		return false, err
	}
	defer p.PutConn(a)
	b, err := p.pinned(ctx)
	if err != nil {
		return false, err
	}
	defer p.PutConn(b)
	// A pooler that has just been handed a's server connection back may
	// lend b another one and a the same again, which looks like two
	// sessions; a few probes make that unlikely, while a direct
	// connection never looks pooled.
	for range sessionProbes {
		pooled, err := probeSessions(ctx, a, b)
		if err != nil || pooled {
			return pooled, err
		}
	}
	return false, nil
}

// sessionProbes is how many times SessionsPooled looks before it answers
// that sessions are not pooled.
const sessionProbes = 3

// probeSessions asks a's backend, holds a transaction open on b, and asks
// a's again: sessions are pooled if b's transaction ran on a's backend or
// a moved.
func probeSessions(ctx context.Context, a, b *Conn) (bool, error) {
	before, err := backendPID(ctx, a)
	if err != nil {
		return false, err
	}
	if _, err := b.Execute(ctx, "BEGIN").Await(ctx); err != nil {
		return false, err
	}
	defer b.Execute(context.WithoutCancel(ctx), "ROLLBACK").Await(context.WithoutCancel(ctx))
	held, err := backendPID(ctx, b)
	if err != nil {
		return false, err
	}
	after, err := backendPID(ctx, a)
	if err != nil {
		return false, err
	}
	return held == before || after != before, nil
}

// pinned takes a connection of the caller's own without waiting for
// Connect, for work that is part of connecting.
func (p *Pool) pinned(ctx context.Context) (*Conn, error) {
	o, err := p.waitInLine(ctx, false)
	if err != nil {
		return nil, err
	}
	return p.pin(o), nil
}

func backendPID(ctx context.Context, c *Conn) (int, error) {
	var pid int
	cur, err := c.Execute(ctx, "SELECT pg_backend_pid()").Await(ctx)
	if err == nil {
		err = cur.FetchOne(&pid)
	}
	return pid, err
}

// warnIfSessionsPooled logs when SetSession is configured but the
// connections are lent per transaction: the settings would leak to other
// clients and be missing from this pool's own later transactions.
func (p *Pool) warnIfSessionsPooled(ctx context.Context) {
	if p.connector == nil || !p.connector.HasSetSession() || p.opts.Size < 2 {
		return
	}
	if pooled, err := p.sessionsPooled(ctx); err == nil && pooled {
		p.opts.Logger.WarnContext(ctx, "momoko: setsession is configured but the server lends connections per transaction "+
			"(a pooler such as PgBouncer in transaction mode): the settings leak to other clients; use session pooling or SET LOCAL")
	}
}
