package pool_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// Parallel calls run at the same time on connections of their own: each
// waits for an advisory lock the test holds, and the server shows all of
// them waiting at once before the test lets them go. Waiting for that
// condition, not timing a round of sleeps, keeps a loaded machine from
// failing the test; the time is printed.
func TestParallelQueriesRunAtOnce(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	db := databaseName(t, dsn)
	const n = 6
	const lock = 16
	p := openPool(t, ctx, dsn, pool.Options{Size: n, MaxSize: n})

	// Advisory locks belong to a database: hold it in the pool's.
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fs := make([]*future.Future[*pool.Cursor], n)
	for i := range fs {
		fs[i] = p.Execute(ctx, "SELECT pg_advisory_xact_lock_shared($1)", lock)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d backends waiting for the lock at once", n), func() bool {
		var waiting int
		err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`, db).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting == n
	})
	allRunning := time.Since(start)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", lock); err != nil {
		t.Fatal(err)
	}
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d parallel calls were all running %v after the first was made, all done %v after",
		n, allRunning.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

func TestCallersBeyondMaxSizeQueue(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 2})

	const callers = 6
	const sleep = 200 * time.Millisecond
	start := time.Now()
	fs := make([]*future.Future[*pool.Cursor], callers)
	for i := range fs {
		fs[i] = p.Execute(ctx, "SELECT pg_sleep($1)", sleep.Seconds())
	}
	waitFor(t, 5*time.Second, "callers to queue", func() bool { return p.Stats().Waiting > 0 })
	for i, o := range future.AllSettled(ctx, fs...) {
		if o.Err != nil {
			t.Errorf("caller %d: %v", i+1, o.Err)
		}
	}
	took := time.Since(start)
	t.Logf("%d callers of pg_sleep(%v) on 2 connections took %v", callers, sleep, took)
	// A lower bound: a loaded machine only makes the calls slower, and
	// no more than 2 sleeps at a time can fit in it.
	if rounds := time.Duration(callers / 2); took < rounds*sleep {
		t.Fatalf("%d callers on 2 connections took %v, less than %d rounds of %v: they did not queue",
			callers, took, rounds, sleep)
	}
	if st := p.Stats(); st.Waiting != 0 || st.Busy != 0 {
		t.Fatalf("after all callers: %v, want nothing busy or waiting", st)
	}
}

func TestQueuedCallersAreServedInFIFOOrder(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 2})

	held := []*pool.Conn{await(t, ctx, p.GetConn(ctx)), await(t, ctx, p.GetConn(ctx))}
	// Queue callers one after another, each after the previous one is
	// seen waiting, so that their order of arrival is known.
	const queued = 4
	fs := make([]*future.Future[*pool.Conn], queued)
	for i := range fs {
		fs[i] = p.GetConn(ctx)
		waitFor(t, 5*time.Second, fmt.Sprintf("%d callers waiting", i+1),
			func() bool { return p.Stats().Waiting == i+1 })
	}
	// Each connection put back goes to the oldest waiter, and to nobody
	// else.
	for i := range fs {
		if err := p.PutConn(held[0]); err != nil {
			t.Fatal(err)
		}
		held = held[1:]
		waitFor(t, 5*time.Second, "a waiter to be served", func() bool {
			for _, f := range fs[i:] {
				if _, err := f.Result(); !errors.Is(err, future.ErrNotDone) {
					return true
				}
			}
			return false
		})
		for j := i + 1; j < queued; j++ {
			if _, err := fs[j].Result(); !errors.Is(err, future.ErrNotDone) {
				t.Fatalf("connection %d put back: waiter %d was served (%v) before or with waiter %d", i+1, j+1, err, i+1)
			}
		}
		c := await(t, ctx, fs[i])
		if st := p.Stats(); st.Waiting != queued-i-1 {
			t.Fatalf("after serving waiter %d: %v, want %d waiting", i+1, st, queued-i-1)
		}
		held = append(held, c)
	}
	for _, c := range held {
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPoolStretchesToDemandAndShrinksToFloor(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	db := databaseName(t, dsn)
	p := openPool(t, ctx, dsn, pool.Options{
		Size: 1, MaxSize: 5,
		AutoShrink: true, ShrinkDelay: 150 * time.Millisecond, ShrinkPeriod: 100 * time.Millisecond,
	})
	waitBackends(t, ctx, srv, db, 1)

	var held []*pool.Conn
	take := func(n int) {
		for range n {
			held = append(held, await(t, ctx, p.GetConn(ctx)))
		}
	}
	take(3)
	waitBackends(t, ctx, srv, db, 3)

	take(2)
	waiters := []*future.Future[*pool.Conn]{p.GetConn(ctx), p.GetConn(ctx)}
	waitFor(t, 5*time.Second, "2 waiting callers", func() bool { return p.Stats().Waiting == 2 })
	waitBackends(t, ctx, srv, db, 5)
	if st := p.Stats(); st.Busy != 5 || st.Waiting != 2 {
		t.Fatalf("with 7 callers: %v, want 5 busy and 2 waiting", st)
	}

	for _, c := range held {
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range waiters {
		if err := p.PutConn(await(t, ctx, f)); err != nil {
			t.Fatal(err)
		}
	}

	waitBackends(t, ctx, srv, db, 1)
	survivor, err := backendPIDs(ctx, srv, db)
	if err != nil {
		t.Fatal(err)
	}
	// The floor holds across several more shrink periods, on the same
	// connection. Nothing happening has no condition to wait for: the test
	// sleeps through shrink periods, and on a loaded machine fewer of them
	// may run, which can hide a failure but never invent one.
	for range 8 {
		time.Sleep(p.Options().ShrinkPeriod)
		pids, err := backendPIDs(ctx, srv, db)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pids, survivor) {
			t.Fatalf("backends %v after shrinking, want the floor connection %v to stay", pids, survivor)
		}
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); int(got) != survivor[0] {
		t.Fatalf("next call ran on backend %d, want the floor connection %d", got, survivor[0])
	}
}
