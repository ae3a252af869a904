package pool

import (
	"context"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
)

// LISTEN on the pool's shared connections would reach a later borrower:
// Execute refuses it before anything is sent.
func TestExecuteListenOnPool(t *testing.T) {
	db, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	mock.ExpectClose()
	p, err := FromDB(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Execute(context.Background(), "LISTEN jobs").Result(); err != ErrListenOnPool {
		t.Fatalf("Execute(LISTEN) = %v, want %v", err, ErrListenOnPool)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
