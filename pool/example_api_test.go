package pool_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/pool"
)

// The examples run against sqlmock through FromDB; with a server, open the
// pool with pool.Open(ctx, dsn, opts) instead and nothing else changes.
func mockPool(configure func(sqlmock.Sqlmock)) (*pool.Pool, sqlmock.Sqlmock) {
	db, mock, err := sqlmock.New()
	if err != nil {
		panic(err)
	}
	configure(mock)
	mock.ExpectClose()
	p, err := pool.FromDB(db, pool.Options{Size: 1, MaxSize: 3})
	if err != nil {
		panic(err)
	}
	return p, mock
}

func ExamplePool_Execute() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectQuery("SELECT count").WithArgs(true).WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(int64(2)))
	})
	ctx := context.Background()

	cur, err := p.Execute(ctx, "SELECT count(*) FROM users WHERE active = $1", true).Await(ctx)
	if err != nil {
		panic(err)
	}
	var n int64
	fmt.Println(cur.FetchOne(&n), n)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// <nil> 2
	// <nil> <nil>
}

// A statement that cannot return rows (INSERT, UPDATE, DELETE or MERGE
// without RETURNING, DDL, SET) runs with ExecContext through FromDB, so
// sqlmock expects it with ExpectExec, and the cursor's RowsAffected is
// the driver's count.
func ExamplePool_Execute_rowsAffected() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectExec("UPDATE users SET active = false").WithArgs(90).WillReturnResult(sqlmock.NewResult(0, 3))
		m.ExpectQuery("DELETE FROM sessions .* RETURNING id").WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(41)))
	})
	ctx := context.Background()

	cur, err := p.Execute(ctx, "UPDATE users SET active = false WHERE idle_days > $1", 90).Await(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(cur.RowsAffected(), cur.CommandTag())
	// RETURNING makes it a query.
	cur, err = p.Execute(ctx, "DELETE FROM sessions WHERE expires < now() RETURNING id").Await(ctx)
	if err != nil {
		panic(err)
	}
	var id int64
	fmt.Println(cur.FetchOne(&id), id)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// 3 UPDATE 3
	// <nil> 41
	// <nil> <nil>
}

// Futures started together run in parallel, each on a connection of its
// own or pipelined on a busy one. With sqlmock they may reach the mock in
// any order: match expectations unordered.
func Example_parallel() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.MatchExpectationsInOrder(false)
		for _, n := range []int64{1, 2, 3} {
			m.ExpectQuery(fmt.Sprintf("SELECT %d", n)).WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(n))
		}
	})
	ctx := context.Background()

	a, b, c := p.Execute(ctx, "SELECT 1"), p.Execute(ctx, "SELECT 2"), p.Execute(ctx, "SELECT 3")
	cursors, err := future.All(ctx, a, b, c)
	if err != nil {
		panic(err)
	}
	var ns []int64
	for _, cur := range cursors {
		var n int64
		cur.FetchOne(&n)
		ns = append(ns, n)
	}
	fmt.Println(ns)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// [1 2 3]
	// <nil> <nil>
}

// A Transaction's statements are known in advance; with sqlmock it is
// expected with ExpectBegin and ExpectCommit, and its statements that
// return no rows with ExpectExec.
func ExamplePool_Transaction() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectBegin()
		m.ExpectExec("UPDATE accounts SET balance = balance - 10").WillReturnResult(sqlmock.NewResult(0, 1))
		m.ExpectExec("UPDATE accounts SET balance = balance \\+ 10").WillReturnResult(sqlmock.NewResult(0, 1))
		m.ExpectCommit()
	})
	ctx := context.Background()

	cursors, err := p.Transaction(ctx, []pool.Statement{
		{SQL: "UPDATE accounts SET balance = balance - 10 WHERE name = $1", Args: []any{"ada"}},
		{SQL: "UPDATE accounts SET balance = balance + 10 WHERE name = $1", Args: []any{"grace"}},
	}).Await(ctx)
	fmt.Println(len(cursors), err)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// 2 <nil>
	// <nil> <nil>
}

// BeginFunc runs database/sql code, such as sqlc's generated queries, in a
// transaction on a pool connection: committed when the function returns
// nil, rolled back otherwise.
func ExamplePool_BeginFunc() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectBegin()
		m.ExpectExec("INSERT INTO users").WithArgs("ada").WillReturnResult(sqlmock.NewResult(1, 1))
		m.ExpectCommit()
	})
	ctx := context.Background()

	_, err := p.BeginFunc(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO users (name) VALUES ($1)", "ada")
		return err
	}, pool.WithRetries(3)).Await(ctx)
	fmt.Println(err)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// <nil>
	// <nil> <nil>
}

// Collect loads rows into structs by column name, whatever the order of
// the columns.
func ExampleCollect() {
	type User struct {
		ID   int64
		Name string
	}
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectQuery("SELECT name, id FROM users").
			WillReturnRows(sqlmock.NewRows([]string{"name", "id"}).AddRow("ada", int64(1)).AddRow("grace", int64(2)))
	})
	ctx := context.Background()

	users, err := pool.Collect(ctx, p, pgx.RowToStructByName[User], "SELECT name, id FROM users ORDER BY id").Await(ctx)
	fmt.Printf("%+v %v\n", users, err)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// [{ID:1 Name:ada} {ID:2 Name:grace}] <nil>
	// <nil> <nil>
}

// GetConn takes a connection of one's own, for work that must stay on one
// connection; Manage gives it back whatever fn does.
func ExamplePool_Manage() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectExec("SET search_path").WillReturnResult(sqlmock.NewResult(0, 0))
		m.ExpectQuery("SELECT current_schema").WillReturnRows(sqlmock.NewRows([]string{"current_schema"}).AddRow("app"))
	})
	ctx := context.Background()

	c, err := p.GetConn(ctx, pool.WithoutPing()).Await(ctx)
	if err != nil {
		panic(err)
	}
	err = p.Manage(c, func(c *pool.Conn) error {
		// Submitted without waiting: they run in order on c.
		c.Execute(ctx, "SET search_path = app")
		cur, err := c.Execute(ctx, "SELECT current_schema()").Await(ctx)
		if err != nil {
			return err
		}
		var schema string
		if err := cur.FetchOne(&schema); err != nil {
			return err
		}
		fmt.Println(schema)
		return nil
	})
	fmt.Println(err)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// app
	// <nil>
	// <nil> <nil>
}

// Reads through Replica go to the pool's standbys (Options.Replicas), and
// those of a ReadYourWrites see its writes. A pool without standbys, as
// here, runs them on the primary, each in a read-only transaction of its
// own, which sqlmock matches with ExpectBegin and ExpectCommit.
func ExamplePool_Replica() {
	p, mock := mockPool(func(m sqlmock.Sqlmock) {
		m.ExpectExec("UPDATE users").WithArgs("Ann", 1).WillReturnResult(sqlmock.NewResult(0, 1))
		m.ExpectQuery("pg_current_wal_insert_lsn").WillReturnRows(sqlmock.NewRows([]string{"lsn"}).AddRow("0/16B3748"))
		// Without standbys the read runs on the primary, read only.
		m.ExpectBegin()
		m.ExpectQuery("SELECT name").WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("Ann"))
		m.ExpectCommit()
	})
	ctx := context.Background()

	rw := p.ReadYourWrites()
	if _, err := rw.Execute(ctx, "UPDATE users SET name = $1 WHERE id = $2", "Ann", 1).Await(ctx); err != nil {
		panic(err)
	}
	fmt.Println("written at", rw.LSN())
	name, err := pool.CollectOne(ctx, rw.Replica(), pgx.RowTo[string], "SELECT name FROM users WHERE id = $1", 1).Await(ctx)
	fmt.Println(name, err)

	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// written at 0/16B3748
	// Ann <nil>
	// <nil> <nil>
}
