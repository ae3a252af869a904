package pool

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/momoko-go/momoko/internal/sqltext"
)

// sessionWarnings bounds the statements whose first session change is
// logged: past it, changes are counted only.
const sessionWarnings = 1024

// sessionWatch counts the statements through the pool that changed their
// connection's session, and logs each statement's first change.
type sessionWatch struct {
	changes atomic.Uint64

	mu     sync.Mutex
	seed   maphash.Seed
	warned map[uint64]struct{} // hashes of the statements logged
}

// watchSession makes r, a request through the pool, count and log the
// session changes among its statements once they have run.
func (p *Pool) watchSession(r *request) {
	for _, st := range r.Stmts {
		if !sqltext.ChangesSession(st.SQL) {
			continue
		}
		finish, sql := r.finish, st.SQL
		r.finish = func(curs []*Cursor, err error) bool {
			if err == nil {
				p.sessionChanged(r.Ctx, sql)
			}
			return finish(curs, err)
		}
		return
	}
}

// sessionChanged counts a statement that changed its connection's
// session, and logs it the first time.
func (p *Pool) sessionChanged(ctx context.Context, sql string) {
	w := &p.sessions
	w.changes.Add(1)
	w.mu.Lock()
	if w.warned == nil {
		w.seed = maphash.MakeSeed()
		w.warned = make(map[uint64]struct{})
	}
	h := maphash.String(w.seed, sql)
	_, seen := w.warned[h]
	first := !seen && len(w.warned) < sessionWarnings
	if first {
		w.warned[h] = struct{}{}
	}
	w.mu.Unlock()
	if !first {
		return
	}
	const shown = 200 // bytes of the statement in the log
	if len(sql) > shown {
		sql = sql[:shown] + "..."
	}
	p.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "momoko: a statement through the pool changed its connection's session, "+
		"which later callers of that connection inherit (use a Conn of your own, or SET LOCAL and "+
		"pg_advisory_xact_lock in a Transaction)", slog.String("statement", sql))
}
