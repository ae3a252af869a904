package pool_test

import (
	"errors"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// A *sql.DB closed by other code, as golang-migrate's Migrate.Close does
// with the database it is given, makes the pool report ErrPoolClosed, not
// database/sql's own message alone.
func TestDBClosedByOthersIsPoolClosed(t *testing.T) {
	ctx := testContext(t)
	p, err := pool.New(pgtest.Shared(t).NewDatabase(t), pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.DB().Close(); err != nil {
		t.Fatal(err)
	}
	_, err = p.Execute(ctx, "SELECT 1").Await(ctx)
	const want = "momoko: connection pool is closed: its *sql.DB was closed by other code (tools such as golang-migrate's Close close the *sql.DB they are given): sql: database is closed"
	if !errors.Is(err, pool.ErrPoolClosed) || err.Error() != want {
		t.Fatalf("Execute after DB().Close() = %v", err)
	}
}
