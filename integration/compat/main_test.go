package compat_test

import (
	"context"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openPool opens a pool on a new database, closed at cleanup.
func openPool(t *testing.T, ctx context.Context, opts pool.Options) *pool.Pool {
	t.Helper()
	p, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), opts)
	if err != nil {
		t.Fatalf("pool.Open: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}
