package pool_test

import (
	"slices"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestAutoShrinkClosesTheConnectionsIdleLongest: after a burst the pool
// shrinks back to Size, and the connections it closes are the ones idle
// longest, while the one in use goes on; the pool reuses the connection
// used last, so that the others stay idle and can go.
func TestAutoShrinkClosesTheConnectionsIdleLongest(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{
		Size: 1, MaxSize: 3,
		AutoShrink: true, ShrinkDelay: 200 * time.Millisecond, ShrinkPeriod: 50 * time.Millisecond,
	})
	conns := []*pool.Conn{await(t, ctx, p.GetConn(ctx)), await(t, ctx, p.GetConn(ctx)), await(t, ctx, p.GetConn(ctx))}
	pids := make([]int, len(conns))
	for i, c := range conns {
		if err := await(t, ctx, c.Execute(ctx, "SELECT pg_backend_pid()")).FetchOne(&pids[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Put back oldest first: the last one put back is the one used last.
	for _, c := range conns {
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
	used := pids[len(pids)-1]
	waitFor(t, 10*time.Second, "the pool to shrink to Size", func() bool {
		var pid int
		if err := await(t, ctx, p.Execute(ctx, "SELECT pg_backend_pid()")).FetchOne(&pid); err != nil {
			t.Fatal(err)
		}
		if pid != used {
			t.Fatalf("a call ran on backend %d, not on %d, the connection used last", pid, used)
		}
		return p.Stats().Total == 1
	})
	// A closed connection's backend lingers for a moment.
	var left []int
	waitFor(t, 10*time.Second, "the closed connections' backends to exit", func() bool {
		var err error
		left, err = backendPIDs(ctx, srv, databaseName(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		return len(left) == 1
	})
	if !slices.Equal(left, []int{used}) {
		t.Fatalf("backend left after shrinking: %v, want %d, the one used last (the burst had %v)", left, used, pids)
	}
}
