package pool_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReadGroupNowIsNotBeforeTheCall: now() is the start of the
// statement's transaction. Alone, a statement's implicit transaction
// starts once the server reads it, after its caller made the call; in a
// read group it is the group's transaction, begun at the group's guard,
// possibly before the caller made the call. A job another connection
// stored with run_at = clock_timestamp() and committed before the call
// must be due by that call's now(). Other callers keep groups forming on
// the pool's one connection. Without read groups no try of 2000 misses.
func TestReadGroupNowIsNotBeforeTheCall(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := groupPool(t, ctx, dsn, pool.Options{})
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.WithoutCancel(ctx))
	if _, err := other.Exec(ctx, "CREATE TABLE grp_jobs (id serial PRIMARY KEY, run_at timestamptz NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	const due = "SELECT count(*) FROM grp_jobs WHERE id = $1 AND run_at <= now()"
	warm(t, ctx, p, due, 0)
	groupsForm(t, ctx, p)

	loadCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				_, _ = p.Execute(loadCtx, groupRead, g).Await(loadCtx)
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	missed, tries := 0, 0
	for ; tries < 2000 && missed == 0; tries++ {
		markFast(p, groupRead, due)
		var id int64
		if err := other.QueryRow(ctx, "INSERT INTO grp_jobs (run_at) VALUES (clock_timestamp()) RETURNING id").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if n := execInt(t, ctx, p, due, id); n != 1 {
			missed++
		}
	}
	t.Logf("%d tries, %d missed; %+v", tries, missed, groupStats(p))
	if missed > 0 {
		t.Fatalf("try %d: a job committed before the call was not due by the call's now()", tries)
	}
}
