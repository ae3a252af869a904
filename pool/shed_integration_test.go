package pool_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestMaxWaitingUnderOverload: every connection of a pool (MaxSize 3)
// waits for an advisory lock another session holds, and MaxWaiting is 4:
// exactly four callers wait in line, the next ones fail at once with
// ErrTooManyWaiting (Execute resolved before it returns, Acquire while no
// connection has come free) and Stats counts each; once the lock is
// released the three busy callers and the four admitted all succeed.
func TestMaxWaitingUnderOverload(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	const maxSize, maxWaiting, excess, lockKey = 3, 4, 200, 24
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Ending the session frees the lock, should the test stop early:
	// deferred calls run before the cleanup that closes the pool, which
	// waits for the statements written.
	defer holder.Close(context.WithoutCancel(ctx))
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		t.Fatal(err)
	}
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: maxSize, MaxWaiting: maxWaiting, HealthCheckPeriod: -1})
	start := p.Stats()

	var busy []*future.Future[*pool.Cursor]
	for range maxSize {
		busy = append(busy, p.Execute(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey))
	}
	waitFor(t, 10*time.Second, "every connection waiting for the lock", func() bool {
		var n int
		err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n)
		return err == nil && n == maxSize
	})
	var admitted []*future.Future[*pool.Cursor]
	for i := range maxWaiting {
		admitted = append(admitted, p.Execute(ctx, "SELECT $1::int", i))
	}
	waitFor(t, 10*time.Second, "MaxWaiting callers in line", func() bool { return p.Stats().Waiting == maxWaiting })

	took := make([]time.Duration, 0, excess)
	for i := range excess {
		begin := time.Now()
		_, err := p.Execute(ctx, "SELECT $1::int", i).Result()
		took = append(took, time.Since(begin))
		if !errors.Is(err, pool.ErrTooManyWaiting) {
			t.Fatalf("excess call %d: %v, want ErrTooManyWaiting before the call returns", i, err)
		}
	}
	if c, err := p.Acquire(ctx); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Fatalf("Acquire with the line full: %v, %v; want ErrTooManyWaiting", c, err)
	}
	st := p.Stats()
	if st.Queue.Refused != excess+1 || st.Waiting != maxWaiting || st.Queue.Waits-start.Queue.Waits != maxWaiting {
		t.Errorf("refused %d, waiting %d, waits %d; want %d refused, %d waiting, %d waits",
			st.Queue.Refused, st.Waiting, st.Queue.Waits-start.Queue.Waits, excess+1, maxWaiting, maxWaiting)
	}
	t.Logf("%d excess calls refused in p50 %v, p99 %v, max %v", excess,
		nearestRank(took, 50), nearestRank(took, 99), slices.Max(took))

	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
		t.Fatal(err)
	}
	for i, f := range busy {
		if _, err := f.Await(ctx); err != nil {
			t.Errorf("busy call %d: %v", i, err)
		}
	}
	for i, f := range admitted {
		var n int
		if err := await(t, ctx, f).FetchOne(&n); err != nil || n != i {
			t.Errorf("admitted call %d: %d, %v", i, n, err)
		}
	}
	if got := p.Stats().Queue.Refused; got != excess+1 {
		t.Errorf("refused %d once served, want %d", got, excess+1)
	}
}

// nearestRank is the p-th percentile (0 < p <= 100) of ds, nearest rank.
func nearestRank(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}
