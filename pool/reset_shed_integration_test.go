package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestResetLeavesAnIdlePoolServing: no call fails for Reset. On an idle
// pool at MaxSize, the connections Reset closes leave no room for new ones
// until their replacements have dialed (a token service takes a moment:
// the hook holds the dials); callers wait for them, and with MaxWaiting
// set, none is refused for it.
func TestResetLeavesAnIdlePoolServing(t *testing.T) {
	for _, maxWaiting := range []int{0, 1} {
		ctx := testContext(t)
		dsn := pgtest.Shared(t).NewDatabase(t)
		cfg, err := driver.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		var hold atomic.Bool
		release := make(chan struct{})
		cfg.BeforeConnect = func(ctx context.Context, _ *pgx.ConnConfig) error {
			if hold.Load() {
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		}
		opts := resetOptions(2, 2)
		opts.MaxWaiting = maxWaiting
		p, err := pool.OpenWithConfig(ctx, cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		await(t, ctx, p.Execute(ctx, "SELECT 1")) // the pool is idle, at MaxSize

		hold.Store(true)
		p.Reset()
		a := p.Execute(ctx, "SELECT 1")
		b := p.Execute(ctx, "SELECT 1")
		close(release)
		_, errA := a.Await(ctx)
		_, errB := b.Await(ctx)
		if errA != nil || errB != nil {
			t.Errorf("MaxWaiting %d: calls on an idle pool right after Reset: %v, %v; want both served (no call fails for Reset)", maxWaiting, errA, errB)
		}
		if errors.Is(errB, pool.ErrTooManyWaiting) {
			t.Logf("MaxWaiting %d: Stats %v", maxWaiting, p.Stats())
		}
		p.Close()
	}
}
