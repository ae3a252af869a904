package pool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/pool"
)

// exactMock is a sqlmock database whose expectations match SQL exactly,
// wrapped by FromDB (one connection: statements reach it in call order).
// Close and the expectations are checked at cleanup.
func exactMock(t *testing.T) (*pool.Pool, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mock.ExpectClose()
		if err := p.Close(); err != nil {
			t.Error(err)
		}
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Error(err)
		}
	})
	return p, mock
}

// Through FromDB, a statement that cannot return rows goes through
// ExecContext (sqlmock's ExpectExec), its cursor carrying the driver's
// count of rows affected; one that may return rows (RETURNING, a WITH
// query) still goes through QueryContext.
func TestFromDBExecutesWithoutRowsThroughExec(t *testing.T) {
	p, mock := exactMock(t)
	ctx := context.Background()
	const (
		update    = "UPDATE accounts SET active = false WHERE last_login < $1"
		insert    = "INSERT INTO users (name) VALUES ($1)"
		returning = "INSERT INTO users (name) VALUES ($1) RETURNING id"
		create    = "CREATE TABLE audit (id bigint)"
		with      = "WITH moved AS (DELETE FROM inbox RETURNING *) INSERT INTO archive SELECT * FROM moved"
	)
	mock.ExpectExec(update).WithArgs("2024-01-01").WillReturnResult(sqlmock.NewResult(0, 3))
	mock.ExpectExec(insert).WithArgs("ada").WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery(returning).WithArgs("grace").WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(7)))
	mock.ExpectExec(create).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(with).WillReturnRows(sqlmock.NewRows(nil))

	cur := await(t, ctx, p.Execute(ctx, update, "2024-01-01"))
	if cur.RowsAffected() != 3 || cur.CommandTag() != "UPDATE 3" || cur.Len() != 0 {
		t.Errorf("UPDATE: %d rows affected, tag %q, %d rows; want 3, \"UPDATE 3\", 0", cur.RowsAffected(), cur.CommandTag(), cur.Len())
	}
	cur = await(t, ctx, p.Execute(ctx, insert, "ada"))
	if cur.RowsAffected() != 1 || cur.CommandTag() != "INSERT 0 1" {
		t.Errorf("INSERT: %d rows affected, tag %q; want 1, \"INSERT 0 1\"", cur.RowsAffected(), cur.CommandTag())
	}
	var id int64
	if err := await(t, ctx, p.Execute(ctx, returning, "grace")).FetchOne(&id); err != nil || id != 7 {
		t.Errorf("INSERT ... RETURNING: id %d, %v; want 7", id, err)
	}
	cur = await(t, ctx, p.Execute(ctx, create))
	if cur.RowsAffected() != 0 || cur.CommandTag() != "" {
		t.Errorf("CREATE TABLE: %d rows affected, tag %q; want 0 and none", cur.RowsAffected(), cur.CommandTag())
	}
	await(t, ctx, p.Execute(ctx, with))
}

// A Transaction through FromDB runs each statement as Execute does:
// ExpectExec for the UPDATE, ExpectQuery for the INSERT ... RETURNING,
// between ExpectBegin and ExpectCommit; an Exec that fails rolls back.
func TestFromDBTransactionExecutes(t *testing.T) {
	p, mock := exactMock(t)
	ctx := context.Background()
	const (
		debit  = "UPDATE accounts SET balance = balance - $1 WHERE id = $2"
		record = "INSERT INTO transfers (amount) VALUES ($1) RETURNING id"
	)
	mock.ExpectBegin()
	mock.ExpectExec(debit).WithArgs(10, 1).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery(record).WithArgs(10).WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(5)))
	mock.ExpectCommit()
	errCheck := errors.New("check violated")
	mock.ExpectBegin()
	mock.ExpectExec(debit).WithArgs(1000, 1).WillReturnError(errCheck)
	mock.ExpectRollback()

	curs := await(t, ctx, p.Transaction(ctx, []pool.Statement{
		{SQL: debit, Args: []any{10, 1}},
		{SQL: record, Args: []any{10}},
	}))
	var id int64
	if len(curs) != 2 || curs[0].RowsAffected() != 1 || curs[1].FetchOne(&id) != nil || id != 5 {
		t.Errorf("Transaction: %d cursors, the UPDATE's rows affected %d, the INSERT's id %d; want 2, 1, 5",
			len(curs), curs[0].RowsAffected(), id)
	}
	if _, err := p.Transaction(ctx, []pool.Statement{{SQL: debit, Args: []any{1000, 1}}}).Await(ctx); !errors.Is(err, errCheck) {
		t.Errorf("failing Transaction: %v, want %v", err, errCheck)
	}
}

// CallProc through FromDB stays with QueryContext, which can return a
// function's rows or a procedure's OUT parameters: it tries the name as
// a function first, then calls it as a procedure.
func TestFromDBCallProcQueries(t *testing.T) {
	p, mock := exactMock(t)
	ctx := context.Background()
	notAFunction := &pgconn.PgError{Severity: "ERROR", Code: pgerrcode.WrongObjectType, Message: "refresh is a procedure"}
	mock.ExpectQuery(`SELECT * FROM "refresh"($1)`).WithArgs(1).WillReturnError(notAFunction)
	mock.ExpectQuery(`CALL "refresh"($1)`).WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"done"}).AddRow(true))

	var done bool
	if err := await(t, ctx, p.CallProc(ctx, "refresh", 1)).FetchOne(&done); err != nil || !done {
		t.Errorf("CallProc: %v, %v; want the procedure's OUT parameter true", done, err)
	}
}
