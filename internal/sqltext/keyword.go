package sqltext

import "strings"

// FirstWord is the first word of sql after white space, comments and
// opening parentheses. The pool reads it on every statement: it allocates
// nothing.
func FirstWord(sql string) string { return wordAt(sql, skipToWord(sql, 0)) }

// StartsWith reports whether sql's first word is one of keywords, in any
// case.
func StartsWith(sql string, keywords ...string) bool { return wordIn(FirstWord(sql), keywords...) }

// IsCopy reports whether w, a statement's first word, is COPY: while the
// server copies, statements written behind it break the copy.
func IsCopy(w string) bool { return strings.EqualFold(w, "COPY") }

// ControlsTransaction reports whether w, a statement's first word, opens,
// ends or marks a transaction (BEGIN, START, COMMIT, END, ROLLBACK, ABORT,
// SAVEPOINT, RELEASE, PREPARE): a statement pipelined behind it would run
// inside its transaction.
func ControlsTransaction(w string) bool {
	return wordIn(w, "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE")
}

// IsListen reports whether the statement's first word is LISTEN.
func IsListen(query string) bool { return StartsWith(query, "LISTEN") }

// ShapeVaries reports whether the columns a statement returns can change
// from one run to the next although its text does not: FETCH and MOVE take
// whatever cursor has the name now, EXECUTE whatever statement, SHOW and
// EXPLAIN their argument's.
func ShapeVaries(sql string) bool {
	return StartsWith(sql, "FETCH", "MOVE", "EXECUTE", "SHOW", "EXPLAIN")
}

// ChangesSchema reports whether a statement may change what statements
// after it in its transaction are. Statements that only read or write rows,
// move cursors, take locks or mark savepoints leave the schema alone;
// anything else is taken to change it: DDL, SET and RESET of what decides
// which table a name is (search_path, the role, everything at once), CALL
// and DO (whose bodies may run DDL), and anything not listed here. Other
// settings (SET LOCAL app.tenant = ..., as row-level security has every
// transaction begin) change no schema. A SELECT of a function that runs
// DDL is not seen.
func ChangesSchema(sql string) bool {
	if StartsWith(sql, "SET", "RESET") {
		return containsFold(sql, "search_path") || containsFold(sql, "role") ||
			containsFold(sql, "authorization") || containsFold(sql, "all")
	}
	return !StartsWith(sql, "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "VALUES", "TABLE",
		"FETCH", "MOVE", "SHOW", "LOCK", "SAVEPOINT", "RELEASE", "ROLLBACK")
}

// DropsPrepared reports whether a statement of this command tag dropped
// every prepared statement of its session. DISCARD PLANS only drops plans,
// which the server makes again: its statements stay prepared.
func DropsPrepared(tag string) bool { return tag == "DEALLOCATE ALL" || tag == "DISCARD ALL" }

func wordIn(w string, keywords ...string) bool {
	for _, kw := range keywords {
		if strings.EqualFold(w, kw) {
			return true
		}
	}
	return false
}

// wordAt is the run of letters at sql[i:].
func wordAt(sql string, i int) string {
	j := i
	for j < len(sql) && isLetter(sql[j]) {
		j++
	}
	return sql[i:j]
}

// skipToWord returns the index of the first byte from i on that is
// neither white space, an opening parenthesis, nor inside a comment
// (nested block comments, as PostgreSQL allows).
func skipToWord(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '(':
			i++
		case strings.HasPrefix(s[i:], "--"):
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				return len(s)
			}
			i += nl + 1
		case strings.HasPrefix(s[i:], "/*"):
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		default:
			return i
		}
	}
	return i
}

// CopiesWithClient reports whether sql is a COPY FROM STDIN or TO STDOUT:
// the server then waits for the client's data or sends it its own, and
// anything else the client sent behind it breaks the session.
func CopiesWithClient(sql string) bool {
	if !IsCopy(FirstWord(sql)) {
		return false
	}
	found, err := eachWord(sql, func(w string, quoted bool, _ int) bool {
		return !quoted && wordIn(w, "STDIN", "STDOUT")
	})
	return found || err != nil
}
