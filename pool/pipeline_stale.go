package pool

import (
	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// A cached statement's description goes stale when the schema changes
// under it (ALTER TABLE) or the server drops it (DEALLOCATE ALL, DISCARD
// ALL). The pipeline forgets a statement after any error of its own, and
// prepares it again when its arguments no longer encode for it (see
// encodeFailed). When the server refused a statement before running it,
// the pipeline runs it again where the caller cannot tell (runAgain).

// unpreparedFrom is the index of r's first statement written unprepared:
// in a transaction, every statement after one that may change the schema.
// Prepared ahead of BEGIN, such a statement would be described as the
// schema was before the change, which its run then meets: a SELECT *
// fails with 0A000 after ADD COLUMN, an argument over int4 fails to encode
// after a column became bigint.
func unpreparedFrom(r *request) int {
	n := r.Count()
	if r.Begin == "" {
		return n
	}
	for i := 1; i < n-1; i++ { // between BEGIN and COMMIT
		if sqltext.ChangesSchema(r.SQLAt(i)) {
			return i + 1
		}
	}
	return n
}

// mayRunAgain reports whether r's prepared statement, which failed with
// err, may be run again if its Sync shows it outside a transaction block
// (see runAgain): the server refused it at Bind, before running anything
// of it, because the statement no longer exists (26000, after DEALLOCATE
// ALL unseen here) or its result changed shape (0A000, cached plan must
// not change result type), and r is a lone statement whose caller still
// waits. Not a statement with the WAL position read behind it, which
// would be read before the statement's second run.
func (w *pipeline) mayRunAgain(r *request, err error) bool {
	switch sqlState(err) {
	case pgerrcode.InvalidSQLStatementName, pgerrcode.FeatureNotSupported:
	default:
		return false
	}
	return !w.bound && r.Begin == "" && r.Count() == 1 && !r.PositionAfter() && !r.Cancelled.Load()
}

// runAgain writes again, unprepared, the statement of r that the server
// refused before running it (r.again), once its Sync is read, when the
// caller cannot tell: the statement ran outside any transaction block, and
// either r came through the pool, whose requests are independent of one
// another, or nothing was written behind it on its Conn, whose statements
// then keep their order. It reports whether it did; if not, r fails with
// the error. The next use of the statement prepares it again.
func (w *pipeline) runAgain(r *request) (bool, error) {
	err := r.again
	r.again = nil
	if w.pg.TxStatus() != 'I' || !r.Shared && w.inFlight() || r.Cancelled.Load() {
		r.Err = err
		return false, nil
	}
	if _, buildErr := w.build(nil, r.ArgsAt(0)); buildErr != nil {
		r.Err = err
		return false, nil
	}
	w.sendEvictions()
	w.send(r, r.SQLAt(0), nil, w.eqb.ParamValues, w.eqb.ParamFormats, true, w.traceStart(r, 0))
	return true, w.flush()
}
