package sqltext

import "strings"

// noRows are the first keywords of statements that never return rows,
// whatever follows them. CALL (a procedure's OUT parameters), EXECUTE,
// FETCH, SHOW, EXPLAIN, COPY (TO STDOUT), SELECT, VALUES, TABLE and WITH
// may, and are not here.
var noRows = []string{
	"CREATE", "ALTER", "DROP", "TRUNCATE", "COMMENT", "GRANT", "REVOKE", "REASSIGN", "SECURITY", "IMPORT",
	"SET", "RESET", "DISCARD", "LOAD",
	"VACUUM", "ANALYZE", "ANALYSE", "CLUSTER", "REINDEX", "REFRESH", "CHECKPOINT", "LOCK",
	"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE",
	"DECLARE", "CLOSE", "MOVE", "DEALLOCATE", "LISTEN", "UNLISTEN", "NOTIFY", "DO",
}

// ReturnsNoRows reports whether sql cannot return rows, told by its first
// keyword: INSERT, UPDATE, DELETE and MERGE without RETURNING, DDL, SET and
// the other statements of noRows. When in doubt it reports false, as for
// any other statement: a RETURNING anywhere outside literals and comments
// (a CTE's included), a second statement after a semicolon, text that
// does not lex.
func ReturnsNoRows(sql string) bool {
	if w := FirstWord(sql); !wordIn(w, "INSERT", "UPDATE", "DELETE", "MERGE") && !wordIn(w, noRows...) {
		return false
	}
	ended := false
	doubt, err := eachWord(sql, func(w string, quoted bool, _ int) bool {
		switch {
		case quoted || ended:
			return ended // a word after the first statement's end
		case w == ";":
			ended = true
			return false
		}
		return strings.EqualFold(w, "RETURNING")
	})
	return !doubt && err == nil
}
