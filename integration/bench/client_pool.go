package bench

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/pool"
)

// poolClient is the pool under test: every call is a future, awaited.
type poolClient struct{ p *pool.Pool }

// openPool opens the pool with opts, its size the harness's (MaxPipeline
// 1: no pipelining, one statement in flight per connection).
func openPool(ctx context.Context, dsn string, opts pool.Options) (client, error) {
	opts.Size, opts.MaxSize = maxConns, maxConns
	p, err := pool.Open(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	return poolClient{p}, nil
}

// openTracedPool opens the pool with a pgx tracer that does nothing: the
// cost of tracing itself.
func openTracedPool(ctx context.Context, dsn string) (client, error) {
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Tracer = noopTracer{}
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{Size: maxConns, MaxSize: maxConns})
	if err != nil {
		return nil, err
	}
	return poolClient{p}, nil
}

type noopTracer struct{}

func (noopTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (noopTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c poolClient) selectOne(ctx context.Context) error {
	cur, err := c.p.Execute(ctx, selectOneQuery).Await(ctx)
	if err != nil {
		return err
	}
	var n int64
	if err := cur.FetchOne(&n); err != nil {
		return err
	}
	return expect(selectOneQuery, n, 1)
}

func (c poolClient) tutorial(ctx context.Context) error {
	cursors, err := future.All(ctx,
		c.p.Execute(ctx, tutorialQueries[0]),
		c.p.Execute(ctx, tutorialQueries[1]),
		c.p.Execute(ctx, tutorialQueries[2]))
	if err != nil {
		return err
	}
	for i, cur := range cursors {
		var n int64
		if err := cur.FetchOne(&n); err != nil {
			return err
		}
		if err := expect(tutorialQueries[i], n, int64(i+1)); err != nil {
			return err
		}
	}
	return nil
}

func (c poolClient) readRows(ctx context.Context) error {
	cur, err := c.p.Execute(ctx, readRowsQuery).Await(ctx)
	if err != nil {
		return err
	}
	var rows, sum, n int64
	var text string
	for {
		err := cur.FetchOne(&n, &text)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return err
		}
		rows++
		sum += n
	}
	return checkRows(rows, sum, text)
}

func (c poolClient) insertTx(ctx context.Context) error {
	stmts := make([]pool.Statement, txInserts)
	for i := range stmts {
		stmts[i] = pool.Statement{SQL: insertQuery, Args: []any{i, insertArg}}
	}
	cursors, err := c.p.Transaction(ctx, stmts).Await(ctx)
	if err != nil {
		return err
	}
	for _, cur := range cursors {
		if err := expect("rows inserted", cur.RowsAffected(), 1); err != nil {
			return err
		}
	}
	return expect("statements", int64(len(cursors)), txInserts)
}

func (c poolClient) close() error { return c.p.Close() }
