package engine

import (
	"errors"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// A cached statement's description goes stale when the schema changes
// under it (ALTER TABLE) or the server drops it (DEALLOCATE ALL, DISCARD
// ALL). The engine forgets a statement after any error of its own, and
// prepares it again when its arguments no longer encode for it (see
// encodeFailed). When the server refused a statement before running it,
// the engine runs it again where the caller cannot tell (runAgain).

// unpreparedFrom is the index of b's first statement written unprepared:
// in a transaction, every statement after one that may change the schema.
// Prepared ahead of BEGIN, such a statement would be described as the
// schema was before the change, which its run then meets: a SELECT *
// fails with 0A000 after ADD COLUMN, an argument over int4 fails to encode
// after a column became bigint.
func unpreparedFrom(b *Batch) int {
	n := b.count()
	if b.Begin == "" {
		return n
	}
	for i := 1; i < n-1; i++ { // between BEGIN and COMMIT
		if sqltext.ChangesSchema(b.sqlAt(i)) {
			return i + 1
		}
	}
	return n
}

// mayRunAgain reports whether b's prepared statement, which failed with
// err, may be run again if its Sync shows it outside a transaction block
// (see runAgain): the server refused it at Bind, before running anything
// of it, because the statement no longer exists (26000, after DEALLOCATE
// ALL unseen here) or its result changed shape (0A000, cached plan must
// not change result type), and b is a lone statement whose caller still
// waits. Not a statement with the WAL position read behind it, which
// would be read before the statement's second run.
func (w *Engine) mayRunAgain(b *Batch, err error) bool {
	return StalePrepared(err) && !w.bound && b.Begin == "" && b.count() == 1 && !b.positionAfter() && !b.Cancelled.Load()
}

// StalePrepared reports whether err is the server refusing a prepared
// statement that no longer exists (26000) or whose result changed shape
// (0A000, cached plan must not change result type): refused at Bind,
// before anything of it ran.
func StalePrepared(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == pgerrcode.InvalidSQLStatementName || pgErr.Code == pgerrcode.FeatureNotSupported
}

// runAgain writes again, unprepared, the statement of b that the server
// refused before running it (b.again), once its Sync is read, when the
// caller cannot tell: the statement ran outside any transaction block, and
// either b came through the pool, whose requests are independent of one
// another, or nothing was written behind it on its Conn, whose statements
// then keep their order. It reports whether it did; if not, b fails with
// the error. The next use of the statement prepares it again.
func (w *Engine) runAgain(b *Batch) (bool, error) {
	err := b.again
	b.again = nil
	if w.pg.TxStatus() != 'I' || !b.Shared && w.InFlight() || b.Cancelled.Load() {
		b.Err = err
		return false, nil
	}
	if _, buildErr := w.build(nil, b.argsAt(0)); buildErr != nil {
		b.Err = err
		return false, nil
	}
	w.sendEvictions()
	w.send(b, b.sqlAt(0), nil, w.eqb.ParamValues, w.eqb.ParamFormats, true, w.traceStart(b, 0))
	return true, w.Flush()
}
