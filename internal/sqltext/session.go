package sqltext

import (
	"slices"
	"strings"
)

// sessionLocks are the advisory lock functions whose locks belong to the
// session, not the transaction: they outlive the call on a pooled
// connection.
var sessionLocks = []string{"pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared"}

// ChangesSession reports whether sql leaves state on its session that
// outlives its transaction: SET (but SET LOCAL, SET TRANSACTION and SET
// CONSTRAINTS, which end with the transaction), RESET (RESET ALL drops
// SetSession's settings too), DISCARD, and a session-level advisory lock.
// It reads the text only, as FirstWord does: a function that runs SET
// inside, or a statement after the first in a multi-statement string,
// goes unseen.
func ChangesSession(sql string) bool {
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

// CallsSetConfig reports whether sql mentions set_config, in any case:
// the function that changes a setting for the session or the transaction.
func CallsSetConfig(sql string) bool { return containsFold(sql, "set_config") }

// callsSessionLock reports whether sql calls one of sessionLocks outside
// string literals, quoted text and comments, in any case, quoted or
// schema-qualified.
func callsSessionLock(s string) bool {
	if !containsFold(s, "advisory_lock") {
		return false // almost every statement: one pass, no parsing
	}
	// Unterminated text does not matter: the server rejects it anyway.
	found, _ := eachWord(s, func(w string, quoted bool, end int) bool {
		if quoted {
			return slices.Contains(sessionLocks, w) && opensCall(s, end)
		}
		return isSessionLock(w) && opensCall(s, end)
	})
	return found
}

func isSessionLock(ident string) bool { return wordIn(ident, sessionLocks...) }

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
