package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// lockScene is a pool of three connections on a fresh database with a
// table accounts (ids 1, 2, 3; balance 42 for id 2) and an empty table
// other, and a connection of the test's own to watch lock waits with.
type lockScene struct {
	p     *pool.Pool
	admin *pgx.Conn
}

func newLockScene(t *testing.T, ctx context.Context) *lockScene {
	t.Helper()
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 3, MaxSize: 3})
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.WithoutCancel(ctx)) })
	await(t, ctx, p.Execute(ctx, "CREATE TABLE accounts (id int PRIMARY KEY, balance int)"))
	await(t, ctx, p.Execute(ctx, "INSERT INTO accounts VALUES (1, 0), (2, 42), (3, 0)"))
	await(t, ctx, p.Execute(ctx, "CREATE TABLE other (id int PRIMARY KEY)"))
	return &lockScene{p: p, admin: admin}
}

// hold runs sql inside a transaction on a connection of the pool, which
// holds its locks until the returned commit.
func (s *lockScene) hold(t *testing.T, ctx context.Context, sql string, args ...any) (commit func()) {
	t.Helper()
	holder, err := s.p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, holder.Execute(ctx, "BEGIN"))
	await(t, ctx, holder.Execute(ctx, sql, args...))
	return func() {
		await(t, ctx, holder.Execute(ctx, "COMMIT"))
		if err := s.p.PutConn(holder); err != nil {
			t.Fatal(err)
		}
	}
}

// awaitLockWait waits until one server process waits for a lock.
func (s *lockScene) awaitLockWait(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	waitFor(t, 10*time.Second, what, func() bool {
		var n int
		err := s.admin.QueryRow(ctx,
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	})
}

// TestNoStallBehindALockWait: a statement known to be fast that waits for
// a row lock holds no other caller up while the pool has an idle
// connection. The lock holder's lookup before its COMMIT went into that
// statement's pipeline and the application deadlocked until the
// deadlines fired, with a connection idle.
func TestNoStallBehindALockWait(t *testing.T) {
	ctx := testContext(t)
	s := newLockScene(t, ctx)
	const (
		update = "UPDATE accounts SET balance = balance + 1 WHERE id = $1"
		lookup = "SELECT balance FROM accounts WHERE id = $1"
	)
	for round := range 5 {
		commit := s.hold(t, ctx, "UPDATE accounts SET balance = 0 WHERE id = $1", 1)
		// Both statements are known fast, which lets them share a
		// pipeline.
		pool.MarkFast(s.p, update)
		pool.MarkFast(s.p, lookup)
		// Another caller's update of the same row waits for the lock on a
		// pooled connection.
		waiting := s.p.Execute(ctx, update, 1)
		s.awaitLockWait(t, ctx, "the update to wait for the lock")
		// The holder looks something up before it commits: this must not
		// wait behind the blocked update.
		lookupCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		start := time.Now()
		_, err := s.p.Execute(lookupCtx, lookup, 2).Await(lookupCtx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: the lock holder's lookup: %v (stalled behind the lock wait)", round, err)
		}
		t.Logf("round %d: lookup answered in %v while a pipelined neighbour waited for a lock", round, time.Since(start))
		commit()
		await(t, ctx, waiting)
	}
}

// TestQueuedBehindALockWaitMoves: a request given to a pipeline before
// its head began to wait, and not written yet, moves to another
// connection once that head is late, instead of waiting for the lock.
// Lateness is made to come when the test says, so that the request is
// queued on the waiting pipeline first, on a machine of any speed.
func TestQueuedBehindALockWaitMoves(t *testing.T) {
	ctx := testContext(t)
	s := newLockScene(t, ctx)
	p := s.p
	const (
		update = "UPDATE accounts SET balance = balance + 1 WHERE id = $1"
		lookup = "SELECT balance FROM accounts WHERE id = $1"
	)
	commit := s.hold(t, ctx, "UPDATE accounts SET balance = 0 WHERE id = $1", 1)
	pipelineOnCue(p, update, lookup)
	waiting := p.Execute(ctx, update, 1)
	s.awaitLockWait(t, ctx, "the update to wait for the lock")
	before := p.Stats()
	found := p.Execute(ctx, lookup, 2)
	if st := p.Stats(); st.Pipelined != before.Pipelined+1 {
		t.Fatalf("the lookup was not queued behind the waiting update (pipelined %d, was %d)", st.Pipelined, before.Pipelined)
	}
	awaitMoved(t, p)
	var balance int
	if err := await(t, ctx, found).FetchOne(&balance); err != nil || balance != 42 {
		t.Fatalf("the moved lookup: balance %d, %v; want 42", balance, err)
	}
	commit()
	await(t, ctx, waiting)
}

// TestNoStallBehindAPrepareWaitingForALock: a statement's first use on a
// connection sends a Prepare first, and its Parse can wait for a lock (an
// ALTER TABLE's): that pipeline is late as well, though no request is in
// flight on it yet. The lookup stalled 5 s with a connection idle.
func TestNoStallBehindAPrepareWaitingForALock(t *testing.T) {
	ctx := testContext(t)
	s := newLockScene(t, ctx)
	const (
		count  = "SELECT count(*) FROM accounts"
		lookup = "SELECT count(*) FROM other WHERE id = $1"
	)
	commit := s.hold(t, ctx, "ALTER TABLE accounts ADD COLUMN note text")
	pool.MarkFast(s.p, count)
	pool.MarkFast(s.p, lookup)
	waiting := s.p.Execute(ctx, count) // its Parse waits for the ALTER's lock
	s.awaitLockWait(t, ctx, "the Parse to wait for the lock")
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := s.p.Execute(lctx, lookup, 1).Await(lctx)
	cancel()
	if err != nil {
		t.Fatalf("the lock holder's lookup stalled behind a Prepare waiting for the lock: %v", err)
	}
	commit()
	await(t, ctx, waiting)
}
