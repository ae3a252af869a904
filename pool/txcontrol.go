package pool

import "github.com/momoko-go/momoko/internal/sqltext"

// mustRunAlone reports whether a statement whose first word is w must be
// alone in flight on its connection: a COPY, since while the server
// copies, statements written behind it break the copy; and, for a
// statement run through the pool (shared), one that opens, ends or marks
// a transaction, since a neighbour pipelined behind a BEGIN would run
// inside its transaction.
func mustRunAlone(w string, shared bool) bool {
	return sqltext.IsCopy(w) || shared && sqltext.ControlsTransaction(w)
}
