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

// TestReadGroupCutsInFlight: the pool's one connection is cut (CutAll)
// while read groups are in flight, in 20 rounds of 32 reads: in even
// rounds while a member holding its group open (pg_sleep) runs on the
// server, in odd ones as soon as the first read, written alone ahead of
// the groups, has its result. Every future resolves; each read has its
// own number, or an error saying it was lost (driver.ErrConnectionLost)
// or never sent (safe to retry); none has another's or a wrong one; the
// pool serves again after each cut. The package's TestMain fails the run
// if goroutines leak.
func TestReadGroupCutsInFlight(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn := proxiedDSN(t, srv)
	db := databaseName(t, dsn)
	p := groupPool(t, ctx, dsn, pool.Options{})
	const tag = "/* grp-cut */"
	const hold = "SELECT $1::int " + tag + " FROM pg_sleep(0.3)"
	const holdAt = 3
	warm(t, ctx, p, groupRead, 1)

	var ok, lost, unsent int
	for r := range 20 {
		groupsForm(t, ctx, p) // on the connection dialed after the last cut
		markFast(p, groupRead, hold)
		want := func(i int) int64 { return int64(r*100 + i) }
		callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		futures := make([]*future.Future[*pool.Cursor], groupCallers)
		for i := range futures {
			sql := groupRead
			if i == holdAt {
				sql = hold
			}
			futures[i] = p.Execute(callCtx, sql, want(i))
		}
		if r%2 == 0 {
			waitFor(t, 10*time.Second, "the member holding its group open to run", func() bool {
				return runningOnServer(t, ctx, srv, db, tag)
			})
		} else {
			_, _ = futures[0].Await(callCtx)
		}
		proxy.CutAll()
		for i, f := range futures {
			o := outcomeOf(f.Await(callCtx))
			switch {
			case o.err == nil && o.v == want(i):
				ok++
			case o.err == nil:
				t.Errorf("round %d: caller %d got %d, want %d", r, i, o.v, want(i))
			case errors.Is(o.err, context.DeadlineExceeded):
				t.Fatalf("round %d: caller %d: its future did not resolve within 20s of the cut", r, i)
			case errors.Is(o.err, driver.ErrConnectionLost):
				lost++
			case driver.Classify(o.err) == driver.ClassSafeToRetry:
				unsent++
			default:
				t.Errorf("round %d: caller %d: %v (class %v), want its result, ErrConnectionLost or an error safe to retry",
					r, i, o.err, driver.Classify(o.err))
			}
		}
		cancel()
		pollSuccess(t, 10*time.Second, "a read after the cut", func() error {
			_, err := p.Execute(ctx, groupRead, 1).Await(ctx)
			return err
		})
	}
	st := p.Stats()
	t.Logf("20 cuts: %d reads right, %d lost, %d never sent; %d cut by the proxy; Stats: ReadGroups %+v, Lost %d, Retried %d",
		ok, lost, unsent, proxy.Stats().Cut, st.ReadGroups, st.Lost, st.Retried)
	if st.ReadGroups.Statements == 0 {
		t.Fatal("no read group formed: the cuts met none")
	}
	if proxy.Stats().Cut < 20 {
		t.Fatalf("only %d connections cut in 20 rounds", proxy.Stats().Cut)
	}
	checkReads(t, 20, groupBurst(ctx, p.Execute, groupCallers, func(i int) (string, []any) { return groupRead, []any{i} }),
		func(i int) int64 { return int64(i) }, nil)
}
