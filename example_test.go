package momoko_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"regexp"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	_ "github.com/momoko-go/momoko/driver" // registers the "momoko" driver
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/pool"
)

// The tutorial's first step: open a pool, run a query, fetch its row. Every
// call returns a future; Await waits for it, as yield did in a Tornado
// handler.
func Example() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1, MaxSize: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	cur, err := p.Execute(ctx, "SELECT 1").Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var n int
	if err := cur.FetchOne(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Results:", n)
	// Output: Results: 1
}

// Queries run in parallel when their futures are started before any is
// awaited: the pool gives each its own connection, stretching up to
// MaxSize. future.All waits for them all and returns the first error.
func Example_parallel() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1, MaxSize: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	f1 := p.Execute(ctx, "SELECT 1")
	f2 := p.Execute(ctx, "SELECT 2")
	f3 := p.Execute(ctx, "SELECT 3")
	cursors, err := future.All(ctx, f1, f2, f3)
	if err != nil {
		log.Fatal(err)
	}
	for i, cur := range cursors {
		fmt.Printf("Q%d: %v\n", i+1, cur.FetchAll())
	}
	// Output:
	// Q1: [[1]]
	// Q2: [[2]]
	// Q3: [[3]]
}

// Transaction runs statements in one transaction and resolves to one cursor
// each. On failure it rolls back and returns the server's error, SQLSTATE
// included.
func Example_transaction() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	cursors, err := p.Transaction(ctx, []pool.Statement{
		{SQL: "CREATE TEMP TABLE basket (item text, qty int) ON COMMIT DROP"},
		{SQL: "INSERT INTO basket VALUES ($1, $2), ($3, $4)", Args: []any{"apples", 3, "pears", 2}},
		{SQL: "SELECT sum(qty) FROM basket"},
	}).Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, cur := range cursors {
		fmt.Println(cur.CommandTag())
	}
	var total int
	if err := cursors[2].FetchOne(&total); err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", total)

	_, err = p.Transaction(ctx, []pool.Statement{
		{SQL: "CREATE TEMP TABLE doomed (n int) ON COMMIT DROP"},
		{SQL: "SELECT 1 / 0"},
	}).Await(ctx)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.DivisionByZero {
		fmt.Println("rolled back:", pgErr.Message)
	}
	// Output:
	// CREATE TABLE
	// INSERT 0 2
	// SELECT 1
	// total: 5
	// rolled back: division by zero
}

// A server-side cursor lives in one transaction on one connection, so it
// needs a connection of one's own: GetConn takes it from the pool and Manage
// gives it back whatever happens, rolling back a transaction left open.
func Example_cursor() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	conn, err := p.GetConn(ctx).Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	err = p.Manage(conn, func(c *pool.Conn) error {
		if _, err := c.Execute(ctx, "BEGIN").Await(ctx); err != nil {
			return err
		}
		_, err := c.Execute(ctx, "DECLARE ints CURSOR FOR SELECT n FROM generate_series(1, 10) n").Await(ctx)
		if err != nil {
			return err
		}
		for {
			cur, err := c.Execute(ctx, "FETCH 4 FROM ints").Await(ctx)
			if err != nil {
				return err
			}
			if cur.Len() == 0 {
				break
			}
			fmt.Println("chunk:", cur.FetchAll())
		}
		_, err = c.Execute(ctx, "COMMIT").Await(ctx)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// chunk: [[1] [2] [3] [4]]
	// chunk: [[5] [6] [7] [8]]
	// chunk: [[9] [10]]
}

// Mogrify shows the literal SQL a query and its arguments amount to, for
// logs and debugging; queries themselves run with parameters.
func Example_mogrify() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	s, err := p.Mogrify(ctx, "SELECT * FROM users WHERE name = $1 AND age > $2", "O'Reilly", 42).Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	// Output: SELECT * FROM users WHERE name = 'O''Reilly' AND age > 42
}

// The "momoko" driver serves plain database/sql code, with setsession, ping
// on reuse and fail-fast reconnects.
func Example_sqlOpen() {
	ctx := context.Background()
	db, err := sql.Open("momoko", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var greeting string
	if err := db.QueryRowContext(ctx, "SELECT 'hello, ' || $1::text", "momoko").Scan(&greeting); err != nil {
		log.Fatal(err)
	}
	fmt.Println(greeting)
	// Output: hello, momoko
}

// Existing database/sql code gets futures without a Pool: future.Query and
// future.QueryRow run a query in the background on a *sql.DB (or *sql.Conn,
// *sql.Tx), so two queries on a *sql.DB run in parallel.
func Example_futureQuery() {
	ctx := context.Background()
	db, err := sql.Open("momoko", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	squares := future.Query(ctx, db, future.ScanValue[int], "SELECT n * n FROM generate_series(1, $1::int) n", 4)
	sum := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT sum(n)::int FROM generate_series(1, $1::int) n", 4)

	sq, err := squares.Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	s, err := sum.Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("squares:", sq, "sum:", s)
	// Output: squares: [1 4 9 16] sum: 10
}

// userName is application code under test: all it needs is a *pool.Pool.
func userName(ctx context.Context, p *pool.Pool, id int) (string, error) {
	cur, err := p.Execute(ctx, "SELECT name FROM users WHERE id = $1", id).Await(ctx)
	if err != nil {
		return "", fmt.Errorf("user %d: %w", id, err)
	}
	var name string
	err = cur.FetchOne(&name)
	return name, err
}

// Code that uses a Pool is unit-tested without a server by wrapping a
// sqlmock database with pool.FromDB. Execute runs a statement that may
// return rows through QueryContext, so it is expected with ExpectQuery; one
// that cannot (INSERT, UPDATE, DELETE without RETURNING, DDL, SET) through
// ExecContext, expected with ExpectExec.
func Example_sqlmock() {
	ctx := context.Background()
	db, mock, err := sqlmock.New()
	if err != nil {
		log.Fatal(err)
	}
	query := regexp.QuoteMeta("SELECT name FROM users WHERE id = $1")
	mock.ExpectQuery(query).WithArgs(1).
		WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("Ada"))
	denied := &pgconn.PgError{Severity: "ERROR", Code: pgerrcode.InsufficientPrivilege, Message: "permission denied"}
	mock.ExpectQuery(query).WithArgs(2).WillReturnError(denied)
	mock.ExpectClose()

	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(userName(ctx, p, 1))

	_, err = userName(ctx, p, 2)
	var pgErr *pgconn.PgError
	fmt.Println(err, errors.As(err, &pgErr) && pgErr.Code == pgerrcode.InsufficientPrivilege)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// Ada <nil>
	// user 2: ERROR: permission denied (SQLSTATE 42501) true
	// <nil> <nil>
}
