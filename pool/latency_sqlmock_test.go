package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/pool"
)

// TestCreateCountsOnlyDials: a pool over another driver dials nothing of
// its own: Latency.Create stays empty.
func TestCreateCountsOnlyDials(t *testing.T) {
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mock.ExpectExec("SET x = 1").WillReturnResult(sqlmock.NewResult(0, 0))
	ctx := context.Background()
	if _, err := p.Execute(ctx, "SET x = 1").Await(ctx); err != nil {
		t.Fatal(err)
	}
	if c := p.Stats().Latency.Create.Count; c != 0 {
		t.Fatalf("Latency.Create counts %d connections; none was dialed by the momoko driver", c)
	}
}

// TestHistogramBoundsAreACopy: what a caller does with the bounds does
// not change the pool's.
func TestHistogramBoundsAreACopy(t *testing.T) {
	pool.HistogramBounds()[0] = time.Hour
	if b := pool.HistogramBounds()[0]; b != 5*time.Microsecond {
		t.Fatalf("the first bound is %v after a caller's write", b)
	}
}
