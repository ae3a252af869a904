package pool

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
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
	retries    int // BeginFunc's
}

// WithIsolation runs the transaction at level.
func WithIsolation(level sql.IsolationLevel) TxOption {
	return func(o *txOptions) { o.isolation = level }
}

// ReadOnly starts the transaction READ ONLY.
func ReadOnly() TxOption { return func(o *txOptions) { o.readOnly = true } }

// WithoutAutoRollback was Momoko's auto_rollback=False. A failed
// transaction never stays open on a pooled connection here: the pool rolls
// it back in any case. With a pool made by FromDB it skips database/sql's
// Rollback, and database/sql closes the connection.
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

// Transaction runs stmts in one transaction on one pooled connection and
// resolves to one cursor per statement. BEGIN, the statements and COMMIT
// are written back to back with one Sync after them, so the whole
// transaction costs one round trip. When a statement fails, the server
// skips the rest, COMMIT included, and the pool rolls back (one more round
// trip): the future fails with that statement's error and the connection
// is back outside any transaction. An argument that cannot be encoded
// fails the transaction before anything is written.
//
// Statements are prepared ahead of BEGIN, except those after a statement
// that may change the schema: anything but a query, DML (WITH, INSERT,
// UPDATE, DELETE, MERGE), FETCH, MOVE, SHOW, LOCK and savepoints. Those are
// sent unprepared, so that ALTER TABLE ... ADD COLUMN followed by SELECT *
// sees the new column.
//
// With a pool made by FromDB, it runs through database/sql's BeginTx,
// QueryContext (ExecContext for a statement that cannot return rows, as
// Execute) and Commit (or Rollback), so sqlmock's ExpectBegin,
// ExpectQuery, ExpectExec and ExpectCommit match.
func (p *Pool) Transaction(ctx context.Context, stmts []Statement, opts ...TxOption) *future.Future[[]*Cursor] {
	ctx = nilctx.Or(ctx)
	r, err := p.transaction(ctx, stmts, opts, true)
	if err != nil {
		return future.Failed[[]*Cursor](err)
	}
	f, complete := future.New[[]*Cursor]()
	r.finish = complete
	p.run(r)
	return f
}

// transaction makes the request for a Transaction; its finish gets the
// statements' cursors without BEGIN's and COMMIT's.
func (p *Pool) transaction(ctx context.Context, stmts []Statement, opts []TxOption, shared bool) (*request, error) {
	o, begin, err := applyTxOptions(opts)
	if err != nil {
		return nil, err
	}
	return p.txRequest(ctx, stmts, o, begin, shared), nil
}

// applyTxOptions applies opts and makes the BEGIN they ask for.
func applyTxOptions(opts []TxOption) (txOptions, string, error) {
	var o txOptions
	for _, opt := range opts {
		opt(&o)
	}
	begin, err := o.begin()
	return o, begin, err
}

// txRequest makes the request of a transaction whose options are
// applied already.
func (p *Pool) txRequest(ctx context.Context, stmts []Statement, o txOptions, begin string, shared bool) *request {
	r := &request{
		Batch:     engine.Batch{Ctx: ctx, Shared: shared, Begin: begin, Stmts: engineStatements(stmts)},
		txOptions: &sql.TxOptions{Isolation: o.isolation, ReadOnly: o.readOnly}, noRollback: o.noRollback,
	}
	r.Err = p.prepareStatements(r)
	return r
}

// engineStatements copies stmts for the engine: the caller may reuse its
// slice once Transaction returns.
func engineStatements(stmts []Statement) []engine.Statement {
	out := make([]engine.Statement, len(stmts))
	for i, st := range stmts {
		out[i] = engine.Statement(st)
	}
	return out
}

// rollbackTimeout bounds a ROLLBACK after a failure; past it the
// connection is closed, which rolls back too.
const rollbackTimeout = 5 * time.Second
