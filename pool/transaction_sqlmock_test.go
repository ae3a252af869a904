package pool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/pool"
)

// With sqlmock, a Transaction is expected as database/sql's transaction:
// ExpectBegin, its statements, and ExpectCommit or, when a statement
// fails, ExpectRollback.
func TestTransactionSqlmockBeginCommitRollback(t *testing.T) {
	ctx := context.Background()
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	errCheck := errors.New("check violated")
	mock.ExpectBegin()
	mock.ExpectExec("INSERT INTO t").WithArgs(1).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	mock.ExpectBegin()
	mock.ExpectExec("INSERT INTO t").WithArgs(2).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec("INSERT INTO t").WithArgs(-1).WillReturnError(errCheck)
	mock.ExpectRollback()
	mock.ExpectClose()
	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(v int) pool.Statement { return pool.Statement{SQL: "INSERT INTO t VALUES ($1)", Args: []any{v}} }
	if curs, err := p.Transaction(ctx, []pool.Statement{insert(1)}).Await(ctx); err != nil || len(curs) != 1 {
		t.Fatalf("Transaction = %d cursors, %v", len(curs), err)
	}
	if _, err := p.Transaction(ctx, []pool.Statement{insert(2), insert(-1)}).Await(ctx); err != errCheck {
		t.Fatalf("failing Transaction = %v, want %v", err, errCheck)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
