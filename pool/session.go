package pool

import (
	"context"
	"hash/maphash"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// sessionLocks are the advisory lock functions whose locks belong to the
// session, not the transaction: they outlive the call on a pooled
// connection.
var sessionLocks = []string{"pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared"}

// changesSession reports whether sql leaves state on its session that
// outlives its transaction: SET (but SET LOCAL, SET TRANSACTION and SET
// CONSTRAINTS, which end with the transaction), RESET (RESET ALL drops
// SetSession's settings too), DISCARD, and a session-level advisory lock.
// It reads the text only, as firstWord does: a function that runs SET
// inside, or a statement after the first in a multi-statement string,
// goes unseen.
func changesSession(sql string) bool {
	i := skipToWord(sql, 0)
	w := wordAt(sql, i)
	switch {
	case strings.EqualFold(w, "SET"):
		return !wordIn(wordAt(sql, skipToWord(sql, i+len(w))), "LOCAL", "TRANSACTION", "CONSTRAINTS")
	case wordIn(w, "RESET", "DISCARD"):
		return true
	}
	return callsSessionLock(sql)
}

// wordAt is the run of letters at sql[i:].
func wordAt(sql string, i int) string {
	j := i
	for j < len(sql) && isLetter(sql[j]) {
		j++
	}
	return sql[i:j]
}

// callsSessionLock reports whether sql calls one of sessionLocks outside
// string literals, quoted text and comments, in any case, quoted or
// schema-qualified.
func callsSessionLock(s string) bool {
	if !containsFold(s, "advisory_lock") {
		return false // almost every statement: one pass, no parsing
	}
	for i := 0; i < len(s); {
		c := s[i]
		end := i + 1
		var err error
		switch {
		case c == '\'':
			escapes := i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i < 2 || !isIdentChar(s[i-2]))
			end, err = skipString(s, i, escapes)
		case c == '"':
			end, err = skipTo(s, i+1, `"`, "quoted identifier")
			if err == nil && slices.Contains(sessionLocks, s[i+1:end-1]) && opensCall(s, end) {
				return true
			}
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end = len(s)
			if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
				end = i + nl + 1
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end, err = skipBlockComment(s, i)
		case c == '$' && (i == 0 || !isIdentChar(s[i-1])):
			end, err = skipDollarQuote(s, i)
		case isLetter(c) || c == '_' || c >= 0x80:
			for end < len(s) && isIdentChar(s[end]) {
				end++
			}
			if isSessionLock(s[i:end]) && opensCall(s, end) {
				return true
			}
		}
		if err != nil {
			return false // unterminated: the server rejects it anyway
		}
		i = end
	}
	return false
}

func isSessionLock(ident string) bool {
	for _, name := range sessionLocks {
		if strings.EqualFold(ident, name) {
			return true
		}
	}
	return false
}

// opensCall reports whether the first byte from i on that is neither
// white space nor inside a comment is '('.
func opensCall(s string, i int) bool {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f':
			i++
		case strings.HasPrefix(s[i:], "--"):
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				return false
			}
			i += nl + 1
		case strings.HasPrefix(s[i:], "/*"):
			end, err := skipBlockComment(s, i)
			if err != nil {
				return false
			}
			i = end
		default:
			return s[i] == '('
		}
	}
	return false
}

// containsFold reports whether s contains sub, an ASCII lower-case word,
// in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

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
	for _, st := range r.stmts {
		if !changesSession(st.SQL) {
			continue
		}
		finish, sql := r.finish, st.SQL
		r.finish = func(curs []*Cursor, err error) bool {
			if err == nil {
				p.sessionChanged(r.ctx, sql)
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
