package resilience_test

import (
	"context"
	"errors"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestEndedContextKeepsPoolConnSession: a statement given to a pool.Conn
// with a context that has already ended fails with the context's error and
// leaves the connection and its session as they were.
func TestEndedContextKeepsPoolConnSession(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1})
	c, err := p.GetConn(ctx).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	if _, err := c.Execute(ctx, "CREATE TEMP TABLE kept (n int)").Await(ctx); err != nil {
		t.Fatal(err)
	}

	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Execute(ended, "INSERT INTO kept VALUES (1)").Await(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Execute with an ended context: %v, want context.Canceled", err)
	}
	if _, err := c.Execute(ended, "INSERT INTO kept VALUES ($1)", 1).Await(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Execute with arguments and an ended context: %v, want context.Canceled", err)
	}

	if c.Closed() {
		t.Fatal("the connection was closed by a statement that never ran")
	}
	cur, err := c.Execute(ctx, "SELECT count(*) FROM kept").Await(ctx)
	if err != nil {
		t.Fatalf("temporary table after the ended calls: %v", err)
	}
	var n int
	if err := cur.FetchOne(&n); err != nil || n != 0 {
		t.Errorf("temporary table holds %d rows (%v), want 0: the ended calls must not run", n, err)
	}
}
