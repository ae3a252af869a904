package pool_test

import (
	"context"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5"
)

// TestFromDBQueryBuffers: through FromDB (another driver, which cannot
// stream), pgx's shape of Query returns the buffered rows, so that sqlc's
// :many queries run unchanged against sqlmock.
func TestFromDBQueryBuffers(t *testing.T) {
	p, mock := exactMock(t)
	mock.ExpectQuery("SELECT id FROM authors").WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(1)).AddRow(int64(2)))
	ctx := context.Background()
	rows, err := p.Query(ctx, "SELECT id FROM authors")
	if err != nil {
		t.Fatalf("Query through FromDB: %v", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
		t.Fatalf("rows %v, %v; want [1 2]", ids, err)
	}
}
