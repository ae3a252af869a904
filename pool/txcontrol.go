package pool

import "strings"

// controlsTransaction reports whether sql starts with a keyword that opens,
// ends or marks a transaction. Such a statement run through the pool must
// be alone on its connection: a neighbour pipelined behind a BEGIN would
// run inside its transaction.
func controlsTransaction(sql string) bool {
	return startsWith(sql, "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE")
}

// startsWith reports whether sql's first word is one of keywords, in any
// case.
func startsWith(sql string, keywords ...string) bool {
	w := firstWord(sql)
	for _, kw := range keywords {
		if strings.EqualFold(w, kw) {
			return true
		}
	}
	return false
}

// isCopy reports whether sql is a COPY, which must be alone in flight:
// while the server copies, statements written behind it break the copy.
func isCopy(sql string) bool { return startsWith(sql, "COPY") }

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
