package pool

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/momoko-go/momoko/future"
)

// Statement is one statement of a Transaction.
type Statement struct {
	SQL  string
	Args []any
}

// TxOption configures a Transaction.
type TxOption func(*txOptions)

type txOptions struct {
	isolation  sql.IsolationLevel
	readOnly   bool
	noRollback bool
}

// WithIsolation runs the transaction at level.
func WithIsolation(level sql.IsolationLevel) TxOption {
	return func(o *txOptions) { o.isolation = level }
}

// ReadOnly starts the transaction READ ONLY.
func ReadOnly() TxOption { return func(o *txOptions) { o.readOnly = true } }

// WithoutAutoRollback skips the ROLLBACK after a failure (Momoko's
// auto_rollback=False). The connection is then closed instead of going
// back to the pool inside the failed transaction; the server rolls back.
func WithoutAutoRollback() TxOption { return func(o *txOptions) { o.noRollback = true } }

var isolationSQL = map[sql.IsolationLevel]string{
	sql.LevelDefault:         "",
	sql.LevelReadUncommitted: " ISOLATION LEVEL READ UNCOMMITTED",
	sql.LevelReadCommitted:   " ISOLATION LEVEL READ COMMITTED",
	sql.LevelRepeatableRead:  " ISOLATION LEVEL REPEATABLE READ",
	sql.LevelSerializable:    " ISOLATION LEVEL SERIALIZABLE",
}

func (o txOptions) begin() (string, error) {
	iso, ok := isolationSQL[o.isolation]
	if !ok {
		return "", fmt.Errorf("momoko: isolation level %v is not supported by PostgreSQL", o.isolation)
	}
	b := strings.Builder{}
	b.WriteString("BEGIN")
	b.WriteString(iso)
	if o.readOnly {
		b.WriteString(" READ ONLY")
	}
	return b.String(), nil
}

// Transaction runs stmts in one transaction on one pooled connection:
// BEGIN, each statement in turn, COMMIT. It resolves to one cursor per
// statement. On any failure it runs ROLLBACK and returns the original
// error; if the ROLLBACK fails too, the connection is closed. No
// connection goes back to the pool inside a transaction.
func (p *Pool) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	return future.GoOn(ctx, p.workers, func(ctx context.Context) (curs []*Cursor, err error) {
		err = p.withConn(ctx, func(c *sql.Conn) error {
			curs, err = transaction(ctx, c, stmts, opts)
			return err
		})
		return curs, err
	})
}

func transaction(ctx context.Context, c *sql.Conn, stmts []Statement, opts []TxOption) ([]*Cursor, error) {
	var o txOptions
	for _, opt := range opts {
		opt(&o)
	}
	begin, err := o.begin()
	if err != nil {
		return nil, err
	}
	t := onConn{c}
	if err := exec(ctx, t, begin); err != nil {
		discard(c)
		return nil, err
	}
	curs := make([]*Cursor, 0, len(stmts))
	for _, st := range stmts {
		cur, err := runStatement(ctx, t, st.SQL, st.Args)
		if err != nil {
			abort(ctx, c, o)
			return nil, err
		}
		curs = append(curs, cur)
	}
	if err := exec(ctx, t, "COMMIT"); err != nil {
		abort(ctx, c, o)
		return nil, err
	}
	return curs, nil
}

// rollbackTimeout bounds a ROLLBACK after a failure; past it the
// connection is closed, which rolls back too.
const rollbackTimeout = 5 * time.Second

// abort ends a failed transaction: ROLLBACK, or closing the connection
// when the ROLLBACK fails or was not wanted.
func abort(ctx context.Context, c *sql.Conn, o txOptions) {
	if !o.noRollback {
		// The caller's ctx may be what failed the transaction.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		_, err := c.ExecContext(rctx, "ROLLBACK")
		cancel()
		if err == nil {
			return
		}
	}
	discard(c)
}

// discard closes the connection underneath c at once; database/sql drops
// it when c is released.
func discard(c *sql.Conn) {
	c.Raw(func(any) error { return driver.ErrBadConn })
}
