package pool

import (
	"context"
	"database/sql"
	"errors"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
)

// WithRetries makes BeginFunc run the whole transaction again, up to n
// more times, when it fails with a serialization failure or a deadlock
// (driver.ClassRetryTransaction), as cockroach-go's ExecuteTx does: fn
// must then be safe to run more than once. Transaction ignores it.
func WithRetries(n int) TxOption { return func(o *txOptions) { o.retries = n } }

// BeginFunc runs fn in a transaction on one of the pool's connections,
// taken in the pool's FIFO order and held only for the call: it commits
// when fn returns nil and rolls back otherwise, also when fn panics. The
// future resolves to fn's error, or Commit's. fn gets a *sql.Tx, so
// existing database/sql code (sqlc's generated queries among it) runs in
// the pool's transaction:
//
//	err := p.BeginFunc(ctx, func(tx *sql.Tx) error {
//		return db.New(tx).MoveMoney(ctx, args)
//	}, pool.WithIsolation(sql.LevelSerializable), pool.WithRetries(3)).Await(ctx)
//
// With a pool made by FromDB it goes through database/sql's BeginTx,
// Commit and Rollback, so sqlmock's ExpectBegin, ExpectCommit and
// ExpectRollback match.
func (p *Pool) BeginFunc(ctx context.Context, fn func(*sql.Tx) error, opts ...TxOption) *future.Future[struct{}] {
	o, _, err := applyTxOptions(opts)
	if err != nil {
		return future.Failed[struct{}](err)
	}
	txOpts := &sql.TxOptions{Isolation: o.isolation, ReadOnly: o.readOnly}
	return future.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.withSQLConn(ctx, func(sc *sql.Conn) error {
			for attempt := 0; ; attempt++ {
				err := runTx(ctx, sc, txOpts, fn)
				if err == nil || attempt >= o.retries || driver.Classify(err) != driver.ClassRetryTransaction {
					return err
				}
			}
		})
	})
}

// runTx runs fn in one transaction on sc.
func runTx(ctx context.Context, sc *sql.Conn, opts *sql.TxOptions, fn func(*sql.Tx) error) (err error) {
	tx, err := sc.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}
