package pool_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// DBTX is the interface sqlc generates; queries is code sqlc generates
// against it.
type DBTX interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

type queries struct{ db DBTX }

func (q *queries) CreateAccount(ctx context.Context, name string, balance int64) error {
	_, err := q.db.ExecContext(ctx, "INSERT INTO accounts (name, balance) VALUES ($1, $2)", name, balance)
	return err
}

func (q *queries) Balance(ctx context.Context, name string) (int64, error) {
	var b int64
	err := q.db.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE name = $1", name).Scan(&b)
	return b, err
}

func (q *queries) Names(ctx context.Context) ([]string, error) {
	stmt, err := q.db.PrepareContext(ctx, "SELECT name FROM accounts ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func accountsPool(t *testing.T, ctx context.Context) *pool.Pool {
	t.Helper()
	// One connection: BeginFunc must give it back for the next call to run.
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE accounts (name text PRIMARY KEY, balance bigint NOT NULL)"))
	return p
}

// sqlc's generated code runs inside the pool's transaction: committed when
// the function returns nil.
func TestBeginFuncSqlcCommits(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	var names []string
	await(t, ctx, p.BeginFunc(ctx, func(tx *sql.Tx) error {
		q := &queries{db: tx}
		for _, n := range []string{"bob", "ada"} {
			if err := q.CreateAccount(ctx, n, 10); err != nil {
				return err
			}
		}
		var err error
		names, err = q.Names(ctx)
		return err
	}))
	if len(names) != 2 || names[0] != "ada" || names[1] != "bob" {
		t.Fatalf("names inside the transaction = %v", names)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM accounts"); n != 2 {
		t.Fatalf("committed rows = %d, want 2", n)
	}
}

// An error from the function rolls back and is the future's error.
func TestBeginFuncRollsBackOnError(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	errOverdrawn := errors.New("overdrawn")
	_, err := p.BeginFunc(ctx, func(tx *sql.Tx) error {
		if err := (&queries{db: tx}).CreateAccount(ctx, "ada", -5); err != nil {
			return err
		}
		return errOverdrawn
	}).Await(ctx)
	if err != errOverdrawn {
		t.Fatalf("BeginFunc = %v, want %v", err, errOverdrawn)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM accounts"); n != 0 {
		t.Fatalf("rows after rollback = %d, want 0", n)
	}
}

// A panic rolls back too, and reaches the caller as a *future.PanicError.
func TestBeginFuncPanicRollsBack(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	_, err := p.BeginFunc(ctx, func(tx *sql.Tx) error {
		if err := (&queries{db: tx}).CreateAccount(ctx, "ada", 1); err != nil {
			return err
		}
		panic("boom")
	}).Await(ctx)
	var pe *future.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("BeginFunc after panic = %v", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM accounts"); n != 0 {
		t.Fatalf("rows after panic = %d, want 0", n)
	}
}

const raiseSerializationFailure = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"

// A serialization failure runs the transaction again with WithRetries,
// and fails at once without it.
func TestBeginFuncRetriesSerializationFailure(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	attempts := 0
	fn := func(tx *sql.Tx) error {
		attempts++
		if err := (&queries{db: tx}).CreateAccount(ctx, "ada", int64(attempts)); err != nil {
			return err
		}
		if attempts == 1 {
			_, err := tx.ExecContext(ctx, raiseSerializationFailure)
			return err
		}
		return nil
	}
	await(t, ctx, p.BeginFunc(ctx, fn, pool.WithIsolation(sql.LevelSerializable), pool.WithRetries(3)))
	if attempts != 2 {
		t.Fatalf("attempts = %d, want 2", attempts)
	}
	if b := execInt(t, ctx, p, "SELECT balance FROM accounts WHERE name = 'ada'"); b != 2 {
		t.Fatalf("balance = %d, want the second attempt's 2", b)
	}

	attempts = 0
	await(t, ctx, p.Execute(ctx, "DELETE FROM accounts"))
	_, err := p.BeginFunc(ctx, fn).Await(ctx)
	if sqlState(err) != "40001" || attempts != 1 {
		t.Fatalf("without retries: %v after %d attempts", err, attempts)
	}
}

// WithConn lends a *sql.Conn for the call: session state set in it is
// seen by its later statements.
func TestWithConnKeepsOneConnection(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	var got string
	await(t, ctx, p.WithConn(ctx, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "SET application_name = 'withconn'"); err != nil {
			return err
		}
		if err := c.QueryRowContext(ctx, "SHOW application_name").Scan(&got); err != nil {
			return err
		}
		// pgx is reachable through the lent connection, as with pgx's stdlib.
		return c.Raw(func(dc any) error {
			if dc.(interface{ Conn() *pgx.Conn }).Conn() == nil {
				return errors.New("no pgx connection")
			}
			return nil
		})
	}))
	if got != "withconn" {
		t.Fatalf("application_name = %q", got)
	}
	if n := execInt(t, ctx, p, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 after WithConn = %d", n)
	}
}

// Raw runs pgx-native work such as COPY on one of the pool's connections.
func TestPoolRawCopy(t *testing.T) {
	ctx := testContext(t)
	p := accountsPool(t, ctx)
	await(t, ctx, p.Raw(ctx, func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"name", "balance"},
			pgx.CopyFromRows([][]any{{"ada", int64(1)}, {"bob", int64(2)}}))
		return err
	}))
	if n := execInt(t, ctx, p, "SELECT sum(balance) FROM accounts"); n != 3 {
		t.Fatalf("sum after COPY = %d, want 3", n)
	}
}

// With sqlmock, BeginFunc is expected with ExpectBegin, ExpectCommit and
// ExpectRollback.
func TestBeginFuncSqlmock(t *testing.T) {
	ctx := testContext(t)
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectBegin()
	mock.ExpectExec("INSERT INTO accounts").WithArgs("ada", int64(10)).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	mock.ExpectBegin()
	mock.ExpectExec("INSERT INTO accounts").WithArgs("bob", int64(-1)).WillReturnError(errors.New("check violated"))
	mock.ExpectRollback()
	mock.ExpectClose()
	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	create := func(name string, balance int64) *future.Future[struct{}] {
		return p.BeginFunc(ctx, func(tx *sql.Tx) error {
			return (&queries{db: tx}).CreateAccount(ctx, name, balance)
		})
	}
	if _, err := create("ada", 10).Await(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := create("bob", -1).Await(ctx); err == nil || err.Error() != "check violated" {
		t.Fatalf("failing BeginFunc = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
