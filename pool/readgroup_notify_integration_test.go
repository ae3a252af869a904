package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReadGroupNotifyNotDoubledByACut: pg_notify, which a read-only
// transaction allows, takes effect when its group commits, at the
// group's Sync. A cut after the server committed a group and before its
// ReadyForQuery reached the client must not run the members again: each
// call that succeeded notified exactly once, one that failed (with
// driver.ErrConnectionLost) at most once. The proxy delays what it
// forwards by 50ms each way, and the connection is cut as soon as a
// listener connected to the server directly hears of a grouped call.
func TestReadGroupNotifyNotDoubledByACut(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn := proxiedDSN(t, srv)
	direct := srv.DatabaseDSN(databaseName(t, dsn))
	p := groupPool(t, ctx, dsn, pool.Options{})
	listener, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.WithoutCancel(ctx))
	if _, err := listener.Exec(ctx, "LISTEN grp"); err != nil {
		t.Fatal(err)
	}
	// hear counts the notifications into heard until the sentinel, or
	// until stop, if not nil, reports true of one.
	hear := func(heard map[string]int, stop func(payload string) bool) {
		t.Helper()
		for {
			n, err := listener.WaitForNotification(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n.Payload == "sentinel" {
				return
			}
			heard[n.Payload]++
			if stop != nil && stop(n.Payload) {
				return
			}
		}
	}
	const notify = "SELECT pg_notify('grp', $1)"
	warm(t, ctx, p, notify, "warm")
	warm(t, ctx, p, groupRead, 1)
	const calls = 8
	for r := range 10 {
		groupsForm(t, ctx, p) // on the connection dialed after the last cut
		markFast(p, notify)
		proxy.Latency(50 * time.Millisecond)
		futures := make([]*future.Future[*pool.Cursor], calls)
		for i := range futures {
			futures[i] = p.Execute(ctx, notify, fmt.Sprintf("%d/%d", r, i))
		}
		// The first call goes alone; a group opens behind it.
		heard := map[string]int{}
		hear(heard, func(payload string) bool {
			return strings.HasPrefix(payload, fmt.Sprintf("%d/", r)) && payload != fmt.Sprintf("%d/0", r)
		})
		proxy.CutAll()
		proxy.Latency(0)
		errs := make([]error, calls)
		for i, f := range futures {
			_, errs[i] = f.Await(ctx)
		}
		// Notifications are delivered in commit order: all of the calls'
		// come before a sentinel sent once they have all resolved.
		if _, err := p.Execute(ctx, "SELECT pg_notify('grp', 'sentinel')").Await(ctx); err != nil {
			t.Fatal(err)
		}
		hear(heard, nil)
		for i, err := range errs {
			n := heard[fmt.Sprintf("%d/%d", r, i)]
			switch {
			case err == nil && n != 1:
				t.Errorf("round %d: call %d succeeded and notified %d times, want once", r, i, n)
			case err != nil && !errors.Is(err, driver.ErrConnectionLost) && driver.Classify(err) != driver.ClassSafeToRetry:
				t.Errorf("round %d: call %d: %v, want its result, ErrConnectionLost or an error safe to retry", r, i, err)
			case err != nil && n > 1:
				t.Errorf("round %d: call %d failed (%v) and notified %d times", r, i, err, n)
			}
		}
		if t.Failed() {
			st := p.Stats()
			t.Fatalf("round %d: heard %v; errors %v; ReadGroups %+v, Lost %d, Retried %d", r, heard, errs, st.ReadGroups, st.Lost, st.Retried)
		}
	}
	t.Logf("%+v", p.Stats().ReadGroups)
}
