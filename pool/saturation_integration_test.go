package pool_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// saturate runs call on callers goroutines over and over until the
// returned stop is called, counting the calls that succeeded; stop waits
// for the goroutines. A failing call fails t.
func saturate(t *testing.T, callers int, call func() error) (done *atomic.Int64, stop func()) {
	t.Helper()
	done = new(atomic.Int64)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for {
				select {
				case <-quit:
					return
				default:
				}
				if err := call(); err != nil {
					t.Errorf("saturating call: %v", err)
					return
				}
				done.Add(1)
			}
		})
	}
	return done, func() {
		close(quit)
		wg.Wait()
	}
}

// TestDBCallersAndPoolCallsBothProgress: p.DB() and the pool's own calls
// share MaxSize. With the pool saturated by its own calls, a caller of
// p.DB() still gets n queries through, and with p.DB() saturated, a pool
// caller does; in both cases the saturating side keeps progressing too.
func TestDBCallersAndPoolCallsBothProgress(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	db := p.DB()
	const (
		saturators = 8
		n          = 50
		bound      = 20 * time.Second // for all n, on a busy machine
	)
	// The saturating statements take 2ms: slow, so each has a
	// connection to itself and the pool is at MaxSize all the time.
	const slow = "SELECT pg_sleep(0.002)"
	queryCtx := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, bound) }

	t.Run("pool saturated, DB callers progress", func(t *testing.T) {
		saturated, stop := saturate(t, saturators, func() error {
			_, err := p.Execute(ctx, slow).Await(ctx)
			return err
		})
		defer stop()
		waitFor(t, 5*time.Second, "the pool saturated", func() bool { return p.Stats().Waiting > 0 })
		from := saturated.Load()
		qctx, cancel := queryCtx()
		defer cancel()
		start := time.Now()
		for i := range n {
			var got int
			if err := db.QueryRowContext(qctx, "SELECT $1::int", i).Scan(&got); err != nil {
				t.Fatalf("DB query %d of %d: %v (%v)", i+1, n, err, p.Stats())
			}
			if got != i {
				t.Fatalf("DB query %d returned %d", i, got)
			}
		}
		took := time.Since(start)
		// Neither side starves: the saturating callers progress too,
		// however fast the other's calls went on this machine.
		waitFor(t, bound, "the pool's callers to progress", func() bool { return saturated.Load() > from })
		t.Logf("%d DB queries in %v while pool callers made %d calls", n, took, saturated.Load()-from)
	})

	t.Run("DB saturated, pool callers progress", func(t *testing.T) {
		waits := db.Stats().WaitCount
		saturated, stop := saturate(t, saturators, func() error {
			_, err := db.ExecContext(ctx, slow)
			return err
		})
		defer stop()
		waitFor(t, 5*time.Second, "database/sql saturated", func() bool {
			st := db.Stats()
			return st.InUse >= 2 && st.WaitCount > waits
		})
		from := saturated.Load()
		qctx, cancel := queryCtx()
		defer cancel()
		start := time.Now()
		for i := range n {
			if got := execInt(t, qctx, p, "SELECT $1::int", i); got != int64(i) {
				t.Fatalf("pool call %d returned %d", i, got)
			}
		}
		took := time.Since(start)
		waitFor(t, bound, "the DB callers to progress", func() bool { return saturated.Load() > from })
		t.Logf("%d pool calls in %v while DB callers made %d calls", n, took, saturated.Load()-from)
	})
}
