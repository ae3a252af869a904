package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// What sqlc generates for pgx/v5 (sql_package: pgx/v5) from a schema of
// authors and three queries, written out by hand: db.go's DBTX, New and
// WithTx, models.go's Author, and query.sql.go's :exec, :one and :many.

type sqlcDBTX interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
}

func sqlcNew(db sqlcDBTX) *sqlcQueries {
	return &sqlcQueries{db: db}
}

type sqlcQueries struct {
	db sqlcDBTX
}

func (q *sqlcQueries) WithTx(tx pgx.Tx) *sqlcQueries {
	return &sqlcQueries{
		db: tx,
	}
}

type sqlcAuthor struct {
	ID   int64
	Name string
	Bio  pgtype.Text
}

const sqlcCreateAuthor = `-- name: CreateAuthor :exec
INSERT INTO authors (
  id, name, bio
) VALUES (
  $1, $2, $3
)
`

type sqlcCreateAuthorParams struct {
	ID   int64
	Name string
	Bio  pgtype.Text
}

func (q *sqlcQueries) CreateAuthor(ctx context.Context, arg sqlcCreateAuthorParams) error {
	_, err := q.db.Exec(ctx, sqlcCreateAuthor, arg.ID, arg.Name, arg.Bio)
	return err
}

const sqlcGetAuthor = `-- name: GetAuthor :one
SELECT id, name, bio FROM authors
WHERE id = $1 LIMIT 1
`

func (q *sqlcQueries) GetAuthor(ctx context.Context, id int64) (sqlcAuthor, error) {
	row := q.db.QueryRow(ctx, sqlcGetAuthor, id)
	var i sqlcAuthor
	err := row.Scan(&i.ID, &i.Name, &i.Bio)
	return i, err
}

const sqlcListAuthors = `-- name: ListAuthors :many
SELECT id, name, bio FROM authors
ORDER BY id
`

func (q *sqlcQueries) ListAuthors(ctx context.Context) ([]sqlcAuthor, error) {
	rows, err := q.db.Query(ctx, sqlcListAuthors)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []sqlcAuthor
	for rows.Next() {
		var i sqlcAuthor
		if err := rows.Scan(&i.ID, &i.Name, &i.Bio); err != nil {
			return nil, err
		}
		items = append(items, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

var (
	_ sqlcDBTX = (*pool.Pool)(nil)
	_ sqlcDBTX = (*pool.Conn)(nil)
	_ sqlcDBTX = pgx.Tx(nil)
)

const sqlcSchema = "CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL, bio text)"

// sqlcRun runs the three queries on q with ids from base: two authors
// created, one got back, both listed; a missing author is pgx.ErrNoRows.
// It returns what went wrong rather than failing the test: it runs on a
// connection's goroutine too, inside Raw.
func sqlcRun(ctx context.Context, q *sqlcQueries, base int64) error {
	ann := sqlcCreateAuthorParams{ID: base + 1, Name: "Ann", Bio: pgtype.Text{String: "wrote things", Valid: true}}
	bo := sqlcCreateAuthorParams{ID: base + 2, Name: "Bo"}
	for _, a := range []sqlcCreateAuthorParams{ann, bo} {
		if err := q.CreateAuthor(ctx, a); err != nil {
			return fmt.Errorf("CreateAuthor(%d): %w", a.ID, err)
		}
	}
	got, err := q.GetAuthor(ctx, ann.ID)
	if err != nil || got != sqlcAuthor(ann) {
		return fmt.Errorf("GetAuthor(%d) = %+v, %v; want %+v", ann.ID, got, err, ann)
	}
	if _, err := q.GetAuthor(ctx, base+3); !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("GetAuthor of nobody: %v, want pgx.ErrNoRows", err)
	}
	list, err := q.ListAuthors(ctx)
	if err != nil {
		return fmt.Errorf("ListAuthors: %w", err)
	}
	var mine []sqlcAuthor
	for _, a := range list {
		if a.ID > base && a.ID <= base+2 {
			mine = append(mine, a)
		}
	}
	if len(mine) != 2 || mine[0] != sqlcAuthor(ann) || mine[1] != sqlcAuthor(bo) {
		return fmt.Errorf("ListAuthors = %+v, want Ann and Bo", mine)
	}
	return nil
}

// TestSqlcQueriesOnPoolConnAndTx: sqlc's generated code for pgx/v5 runs
// unchanged on a Pool, on a Conn, and in a pgx.Tx begun on the pool's pgx
// connection through Raw (the pool has no Begin returning a pgx.Tx:
// BeginFunc gives a *sql.Tx, for sqlc's database/sql code); a transaction
// that fails leaves nothing behind.
func TestSqlcQueriesOnPoolConnAndTx(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	if _, err := p.Exec(ctx, sqlcSchema); err != nil {
		t.Fatal(err)
	}

	if err := sqlcRun(ctx, sqlcNew(p), 0); err != nil {
		t.Fatalf("on the pool: %v", err)
	}
	err := sqlcNew(p).CreateAuthor(ctx, sqlcCreateAuthorParams{ID: 1, Name: "again"})
	if sqlState(err) != pgerrcode.UniqueViolation {
		t.Fatalf("a duplicate author: %v, want SQLSTATE 23505", err)
	}

	c := await(t, ctx, p.GetConn(ctx))
	if err := sqlcRun(ctx, sqlcNew(c), 10); err != nil {
		t.Fatalf("on a Conn: %v", err)
	}
	p.PutConn(c)

	q := sqlcNew(p)
	_, err = p.Raw(ctx, func(conn *pgx.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			return sqlcRun(ctx, q.WithTx(tx), 20)
		})
	}).Await(ctx)
	if err != nil {
		t.Fatalf("the committed transaction: %v", err)
	}
	if _, err := q.GetAuthor(ctx, 21); err != nil {
		t.Fatalf("an author committed in the transaction: %v", err)
	}

	errRollback := errors.New("roll it back")
	_, err = p.Raw(ctx, func(conn *pgx.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if err := sqlcRun(ctx, q.WithTx(tx), 30); err != nil {
				return err
			}
			return errRollback
		})
	}).Await(ctx)
	if !errors.Is(err, errRollback) {
		t.Fatalf("the failed transaction: %v, want its function's error", err)
	}
	if _, err := q.GetAuthor(ctx, 31); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("an author of the rolled back transaction: %v, want pgx.ErrNoRows", err)
	}

	// A transaction on a Conn, sqlc's queries running on the Conn itself.
	c = await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := sqlcRun(ctx, sqlcNew(c), 40); err != nil {
		t.Fatalf("in a Conn's transaction: %v", err)
	}
	if _, err := c.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if list, err := q.ListAuthors(ctx); err != nil || len(list) != 6 {
		t.Fatalf("ListAuthors after all: %d authors, %v; want 6", len(list), err)
	}
}

// TestSqlcConcurrentCallsPipeline: 64 goroutines calling sqlc's :one and
// :exec on the pool all get their results, and share round trips on the
// pool's connections (Stats.Pipelined grows).
func TestSqlcConcurrentCallsPipeline(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	if _, err := p.Exec(ctx, sqlcSchema); err != nil {
		t.Fatal(err)
	}
	q := sqlcNew(p)
	if err := q.CreateAuthor(ctx, sqlcCreateAuthorParams{ID: 0, Name: "seed"}); err != nil {
		t.Fatal(err)
	}
	// On a busy machine no statement may look fast enough to pipeline
	// behind: the pool is told these are.
	warm(t, ctx, p, sqlcGetAuthor, int64(0))
	const workers, calls = 64, 20
	before := p.Stats()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				pool.MarkFast(p, sqlcGetAuthor)
				pool.MarkFast(p, sqlcCreateAuthor)
				id := int64(1 + w*calls + i)
				if err := q.CreateAuthor(ctx, sqlcCreateAuthorParams{ID: id, Name: "n"}); err != nil {
					errs <- err
					return
				}
				a, err := q.GetAuthor(ctx, id)
				if err != nil || a.ID != id {
					errs <- errors.Join(err, errors.New("wrong author"))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	after := p.Stats()
	if n := execInt(t, ctx, p, "SELECT count(*) FROM authors"); n != workers*calls+1 {
		t.Fatalf("%d authors, want %d", n, workers*calls+1)
	}
	t.Logf("%d statements, %d pipelined, deepest pipeline %d", after.Statements-before.Statements, after.Pipelined-before.Pipelined, after.DeepestPipeline)
	if after.Pipelined <= before.Pipelined {
		t.Errorf("Stats.Pipelined stayed at %d over %d concurrent calls", after.Pipelined, workers*calls*2)
	}
}
