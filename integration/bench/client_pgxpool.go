package bench

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxpoolClient is pgx's own pool, the fastest way pgx offers.
type pgxpoolClient struct{ p *pgxpool.Pool }

func openPGXPool(ctx context.Context, dsn string) (client, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return pgxpoolClient{p}, nil
}

func (c pgxpoolClient) selectOne(ctx context.Context) error {
	return c.selectInt(ctx, selectOneQuery, 1)
}

func (c pgxpoolClient) selectInt(ctx context.Context, query string, want int64) error {
	var n int64
	if err := c.p.QueryRow(ctx, query).Scan(&n); err != nil {
		return err
	}
	return expect(query, n, want)
}

func (c pgxpoolClient) tutorial(ctx context.Context) error {
	var wg sync.WaitGroup
	var errs [len(tutorialQueries)]error
	for i, q := range tutorialQueries {
		wg.Go(func() { errs[i] = c.selectInt(ctx, q, int64(i+1)) })
	}
	wg.Wait()
	return firstError(errs[:])
}

func (c pgxpoolClient) readRows(ctx context.Context) error {
	rows, err := c.p.Query(ctx, readRowsQuery)
	if err != nil {
		return err
	}
	return checkPGXRows(rows)
}

// checkPGXRows reads W3's result through pgx.Rows and checks it.
func checkPGXRows(rows pgx.Rows) error {
	defer rows.Close()
	var count, sum, n int64
	var text string
	for rows.Next() {
		if err := rows.Scan(&n, &text); err != nil {
			return err
		}
		count++
		sum += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkRows(count, sum, text)
}

func (c pgxpoolClient) insertTx(ctx context.Context) error {
	tx, err := c.p.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for i := range txInserts {
		tag, err := tx.Exec(ctx, insertQuery, i, insertArg)
		if err != nil {
			return err
		}
		if err := expect("rows inserted", tag.RowsAffected(), 1); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

func (c pgxpoolClient) close() error {
	c.p.Close()
	return nil
}

// pgxBatchClient is pgxpool with W4 written as a pgx user who cares about
// round trips would: one pgx.Batch of BEGIN, the INSERTs and COMMIT, sent
// in one round trip. Its other workloads are pgxpool's.
type pgxBatchClient struct{ pgxpoolClient }

func openPGXBatch(ctx context.Context, dsn string) (client, error) {
	c, err := openPGXPool(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return pgxBatchClient{c.(pgxpoolClient)}, nil
}

func (c pgxBatchClient) insertTx(ctx context.Context) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	for i := range txInserts {
		b.Queue(insertQuery, i, insertArg)
	}
	b.Queue("COMMIT")
	results := c.p.SendBatch(ctx, b)
	if _, err := results.Exec(); err != nil {
		results.Close()
		return err
	}
	for range txInserts {
		tag, err := results.Exec()
		if err != nil {
			results.Close()
			return err
		}
		if err := expect("rows inserted", tag.RowsAffected(), 1); err != nil {
			results.Close()
			return err
		}
	}
	if _, err := results.Exec(); err != nil {
		results.Close()
		return err
	}
	return results.Close()
}
