package pool

import "strings"

// mustRunAlone reports whether a statement whose first word is w must be
// alone in flight on its connection: a COPY, since while the server
// copies, statements written behind it break the copy; and, for a
// statement run through the pool (shared), one that opens, ends or marks
// a transaction, since a neighbour pipelined behind a BEGIN would run
// inside its transaction.
func mustRunAlone(w string, shared bool) bool {
	return strings.EqualFold(w, "COPY") ||
		shared && wordIn(w, "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE")
}

// startsWith reports whether sql's first word is one of keywords, in any
// case.
func startsWith(sql string, keywords ...string) bool { return wordIn(firstWord(sql), keywords...) }

func wordIn(w string, keywords ...string) bool {
	for _, kw := range keywords {
		if strings.EqualFold(w, kw) {
			return true
		}
	}
	return false
}

// firstWord is the first word of sql after white space, comments and
// opening parentheses.
func firstWord(sql string) string {
	i := skipToWord(sql, 0)
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
