package bench

import (
	"context"
	"database/sql"
	"sync"

	// The baseline's driver, "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"
	// This module's driver, "momoko".
	_ "github.com/momoko-go/momoko/driver"
)

// sqlClient is plain database/sql code, on whichever driver opened db.
type sqlClient struct{ db *sql.DB }

// openSQL opens database/sql on driverName with the pool's limits: at most
// maxConns connections, all kept when idle (database/sql keeps 2 by
// default, which would close and reopen connections under load).
func openSQL(ctx context.Context, driverName, dsn string) (client, error) {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return sqlClient{db}, nil
}

func (c sqlClient) selectOne(ctx context.Context) error {
	return c.selectInt(ctx, selectOneQuery, 1)
}

func (c sqlClient) selectInt(ctx context.Context, query string, want int64) error {
	var n int64
	if err := c.db.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return err
	}
	return expect(query, n, want)
}

func (c sqlClient) tutorial(ctx context.Context) error {
	var wg sync.WaitGroup
	var errs [len(tutorialQueries)]error
	for i, q := range tutorialQueries {
		wg.Go(func() { errs[i] = c.selectInt(ctx, q, int64(i+1)) })
	}
	wg.Wait()
	return firstError(errs[:])
}

func (c sqlClient) readRows(ctx context.Context) error {
	rows, err := c.db.QueryContext(ctx, readRowsQuery)
	if err != nil {
		return err
	}
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

func (c sqlClient) insertTx(ctx context.Context) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i := range txInserts {
		res, err := tx.ExecContext(ctx, insertQuery, i, insertArg)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if err := expect("rows inserted", n, 1); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (c sqlClient) close() error { return c.db.Close() }

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
