package pool

import "strings"

// controlsTransaction reports whether sql starts with a keyword that opens,
// ends or marks a transaction. Such a statement run through the pool must
// be alone on its connection: a neighbour pipelined behind a BEGIN would
// run inside its transaction.
func controlsTransaction(sql string) bool {
	w := firstWord(sql)
	for _, kw := range []string{"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE"} {
		if strings.EqualFold(w, kw) {
			return true
		}
	}
	return false
}

// isCopy reports whether sql is a COPY, which must be alone in flight:
// while the server copies, statements written behind it break the copy.
func isCopy(sql string) bool { return strings.EqualFold(firstWord(sql), "COPY") }

// firstWord is the first word of sql after white space and comments.
func firstWord(sql string) string {
	i := skipSpaceAndComments(sql, 0)
	j := i
	for j < len(sql) && isLetter(sql[j]) {
		j++
	}
	return sql[i:j]
}

// skipSpaceAndComments returns the index of the first byte from i on that
// is neither white space nor inside a comment (nested block comments, as
// PostgreSQL allows).
func skipSpaceAndComments(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f':
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
