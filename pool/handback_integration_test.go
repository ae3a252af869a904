package pool_test

import (
	"fmt"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestHandBackLeavesNoStatements: a connection the pool hands to p.DB()'s
// callers carries none of the statements the pool prepared on it, so
// that owners taking the same connection again one after another do not
// pile up statements on its backend. With MaxSize 1, database/sql has one
// connection: the pool prepares statements on it, a p.DB() caller waits
// for it, gets it handed over and counts the statements on that backend,
// round after round.
func TestHandBackLeavesNoStatements(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	const rounds, perRound = 7, 100
	backend := 0
	for round := range rounds {
		for i := range perRound {
			if got := execInt(t, ctx, p, fmt.Sprintf("SELECT $1::int + %d", i), round); got != int64(round+i) {
				t.Fatalf("round %d, statement %d returned %d", round, i, got)
			}
		}
		var momoko, all, pid int
		err := p.DB().QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE starts_with(name, 'momoko_')), count(*), pg_backend_pid()
			FROM pg_prepared_statements`).Scan(&momoko, &all, &pid)
		if err != nil {
			t.Fatalf("round %d: counting prepared statements through p.DB(): %v", round, err)
		}
		if backend == 0 {
			backend = pid
		}
		if pid != backend {
			t.Fatalf("round %d ran on backend %d, not %d: database/sql opened a second connection", round, pid, backend)
		}
		t.Logf("round %d: the backend holds %d of the pool's prepared statements (%d in all)", round+1, momoko, all)
		if momoko != 0 {
			t.Errorf("round %d: the connection handed to p.DB() holds %d of the pool's prepared statements, want 0 (the pool's cache keeps at most 512)",
				round+1, momoko)
		}
	}
}
