package pool_test

import (
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

type user struct {
	ID    int64
	Name  string
	Email string
}

// Loading []User takes one line, and columns are matched to fields by
// name: the SELECT lists them in another order than the struct.
func TestCollectStructsByName(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	await(t, ctx, p.Execute(ctx, `CREATE TABLE users AS SELECT * FROM (VALUES
		(1::bigint, 'ada', 'ada@example.com'), (2, 'grace', 'grace@example.com')) v(id, name, email)`))

	users, err := pool.Collect(ctx, p, pgx.RowToStructByName[user], "SELECT email, id, name FROM users ORDER BY id").Await(ctx)

	want := []user{{1, "ada", "ada@example.com"}, {2, "grace", "grace@example.com"}}
	if err != nil || !slices.Equal(users, want) {
		t.Fatalf("Collect = %v, %v; want %v", users, err, want)
	}
	one, err := pool.CollectOne(ctx, p, pgx.RowToStructByName[user], "SELECT name, email, id FROM users WHERE id = $1", 2).Await(ctx)
	if err != nil || one != want[1] {
		t.Fatalf("CollectOne = %v, %v; want %v", one, err, want[1])
	}
}

// A column the struct lacks is an error, never silently dropped data.
func TestCollectUnknownColumnFails(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	_, err := pool.Collect(ctx, p, pgx.RowToStructByName[user], "SELECT 1::bigint AS id, 'x' AS name, 'e' AS email, 2 AS age").Await(ctx)
	if err == nil || err.Error() != "struct doesn't have corresponding row field age" {
		t.Fatalf("Collect with an extra column: %v", err)
	}
}

func TestCollectOneNoRows(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	_, err := pool.CollectOne(ctx, c, pgx.RowTo[int64], "SELECT 1 WHERE false").Await(ctx)
	if !errors.Is(err, pgx.ErrNoRows) || !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("CollectOne on no rows: %v", err)
	}
}

// pgx's other row functions work on Cursor.Rows too, and Values decode as
// pgx's own do.
func TestCursorRowsValues(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	cur := await(t, ctx, p.Execute(ctx, "SELECT 1::int4 AS a, 'x'::text AS b, NULL::int8 AS c UNION ALL SELECT 2, 'y', 3"))
	maps, err := pgx.CollectRows(cur.Rows(), pgx.RowToMap)
	if err != nil || len(maps) != 2 || maps[0]["a"] != int32(1) || maps[0]["b"] != "x" || maps[0]["c"] != nil || maps[1]["c"] != int64(3) {
		t.Fatalf("RowToMap = %v, %v", maps, err)
	}
	if cur.Len() != 0 {
		t.Fatalf("Len after CollectRows = %d, want 0", cur.Len())
	}
}

// A pool made by FromDB (sqlmock here) maps columns by name as well.
func TestCollectFromDB(t *testing.T) {
	ctx := testContext(t)
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectQuery("SELECT email, id, name FROM users").
		WillReturnRows(sqlmock.NewRows([]string{"email", "id", "name"}).AddRow("ada@example.com", int64(1), "ada"))
	mock.ExpectClose()
	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := pool.Collect(ctx, p, pgx.RowToStructByName[user], "SELECT email, id, name FROM users").Await(ctx)
	if err != nil || !slices.Equal(users, []user{{1, "ada", "ada@example.com"}}) {
		t.Fatalf("Collect = %v, %v", users, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
