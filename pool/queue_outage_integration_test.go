package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestQueuedCallsFailFastWhenTheServerIsLost: calls waiting in the queue
// at MaxSize when the pool's connections break and the server cannot be
// reached fail at once, as new calls do, instead of waiting for their
// deadline. They waited before: a failed dial failed only the calls it
// had been given, and nothing dialed for the rest.
func TestQueuedCallsFailFastWhenTheServerIsLost(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})
	// Two slow statements take both connections; the calls after them
	// queue (a statement not known to be fast is never pipelined).
	for range 2 {
		p.Execute(ctx, "SELECT pg_sleep(30)")
	}
	callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var queued []*future.Future[*pool.Cursor]
	for range 5 {
		queued = append(queued, p.Execute(callCtx, "SELECT 1"))
	}
	waitFor(t, 10*time.Second, "5 calls in the queue", func() bool { return p.Stats().Waiting == 5 })

	proxy.Refuse()
	proxy.CutAll()
	for i, f := range queued {
		_, err := f.Await(ctx)
		if errors.Is(err, context.DeadlineExceeded) || driver.Classify(err) != driver.ClassSafeToRetry {
			t.Errorf("queued call %d: %v; want a failure safe to retry, at once", i, err)
		}
	}
	if st := p.Stats(); st.Waiting != 0 {
		t.Errorf("%d calls still waiting", st.Waiting)
	}
}
