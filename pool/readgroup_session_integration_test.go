package pool_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// advisoryHeld counts the grants of advisory lock 42 in database that
// the server shows, and of those, how many backend pid holds.
func advisoryHeld(t *testing.T, ctx context.Context, srv *pgtest.Server, database string, pid int64) (all, byPID int) {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE l.pid = $2)
		FROM pg_locks l JOIN pg_database d ON d.oid = l.database
		WHERE l.locktype = 'advisory' AND l.objid = 42 AND l.granted AND d.datname = $1`, database, pid).Scan(&all, &byPID)
	if err != nil {
		t.Fatal(err)
	}
	return all, byPID
}

// TestReadGroupSessionAdvisoryLockTakenOnce: SELECT pg_advisory_lock(42),
// sent among grouped reads and a statement that fails after it, stays
// out of groups by its text: run again after a rolled-back group it
// would take the lock twice, and one unlock would not release it. Each
// round the lock is taken once, held by the pool's connection, and
// released by one unlock.
func TestReadGroupSessionAdvisoryLockTakenOnce(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	db := databaseName(t, dsn)
	p := groupPool(t, ctx, dsn, pool.Options{})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	warm(t, ctx, p, groupRead, 1)
	const lock = "SELECT pg_advisory_lock(42)"
	const lockAt, failAt = 6, 12
	grouped := 0
	for r := range 20 {
		primeFail(t, ctx, p)
		markFast(p, groupRead, groupFail, lock)
		before := groupStats(p)
		out := groupInOrder(ctx, p.Execute, groupCallers, func(i int) (string, []any) {
			switch i {
			case lockAt:
				return lock, nil
			case failAt:
				return groupFail, []any{0}
			}
			return groupRead, []any{i}
		})
		if out[lockAt].err != nil {
			t.Fatalf("round %d: %s: %v", r, lock, out[lockAt].err)
		}
		checkReads(t, r, out, func(i int) int64 {
			if i == lockAt {
				return 0
			}
			return int64(i)
		}, func(i int) bool { return i == failAt })
		if groupStats(p).Statements > before.Statements {
			grouped++
		}
		if all, mine := advisoryHeld(t, ctx, srv, db, pid); all != 1 || mine != 1 {
			t.Fatalf("round %d: lock 42 granted %d times, %d to the pool's backend %d; want once, to it", r, all, mine, pid)
		}
		var released bool
		if err := await(t, ctx, p.Execute(ctx, "SELECT pg_advisory_unlock(42)")).FetchOne(&released); err != nil || !released {
			t.Fatalf("round %d: unlock returned %v (%v), want true", r, released, err)
		}
		if all, _ := advisoryHeld(t, ctx, srv, db, pid); all != 0 {
			t.Fatalf("round %d: lock 42 still held after one unlock: it was taken more than once", r)
		}
	}
	t.Logf("groups formed around the lock in %d of 20 rounds: %+v", grouped, groupStats(p))
	if grouped == 0 {
		t.Fatal("no group formed around the lock in 20 rounds")
	}
}

// TestReadGroupRefusedUnlessReadCommitted: with the session's isolation
// repeatable read (by the startup options, or by setsession), a group's
// guard fails, so that no member runs in a shared snapshot: every member
// runs again (Again), every read is right, none is grouped (Statements
// stays 0), and the connection tries no more groups (Again stops growing)
// until a statement changes its session (SET), after which a group is
// tried, and refused, once more.
func TestReadGroupRefusedUnlessReadCommitted(t *testing.T) {
	ctx := testContext(t)
	base := pgtest.Shared(t).NewDatabase(t)
	for _, tc := range []struct{ name, key, value string }{
		{"options", "options", `-c default_transaction_isolation=repeatable\ read`},
		{"setsession", "setsession", "SET default_transaction_isolation = 'repeatable read'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := groupPool(t, ctx, withParams(base, url.Values{tc.key: {tc.value}}), pool.Options{})
			var isolation string
			if err := await(t, ctx, p.Execute(ctx, "SELECT current_setting('transaction_isolation')")).FetchOne(&isolation); err != nil {
				t.Fatal(err)
			}
			if isolation != "repeatable read" {
				t.Fatalf("transaction_isolation %q, want repeatable read", isolation)
			}
			warm(t, ctx, p, groupRead, 1)
			r := 0
			round := func() {
				t.Helper()
				markFast(p, groupRead)
				out := groupBurst(ctx, p.Execute, groupCallers, func(i int) (string, []any) { return groupRead, []any{r*100 + i} })
				checkReads(t, r, out, func(i int) int64 { return int64(r*100 + i) }, nil)
				if st := groupStats(p); st.Statements != 0 {
					t.Fatalf("round %d: %d statements grouped under repeatable read", r, st.Statements)
				}
				r++
			}
			until := func(what string, cond func() bool) {
				t.Helper()
				for start := r; !cond(); {
					if r-start == groupRounds {
						t.Fatalf("%s: not in %d rounds", what, groupRounds)
					}
					round()
				}
			}
			until("a group refused", func() bool { return groupStats(p).Again > 0 })
			refused := p.Stats()
			for range 10 {
				round()
			}
			after := p.Stats()
			t.Logf("refused in round %d: %+v; 10 rounds later %+v, %d more pipelined", r-10, refused.ReadGroups, after.ReadGroups, after.Pipelined-refused.Pipelined)
			if after.ReadGroups != refused.ReadGroups {
				t.Fatalf("groups went on after the first refusal: %+v, then %+v", refused.ReadGroups, after.ReadGroups)
			}
			if after.Pipelined == refused.Pipelined {
				t.Fatal("no read was pipelined in 10 rounds: the rounds proved nothing")
			}

			await(t, ctx, p.Execute(ctx, "SET application_name = 'grp-refused'"))
			until("a group tried again after SET", func() bool { return groupStats(p).Again > after.ReadGroups.Again })
		})
	}
}
