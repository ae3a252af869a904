package pool_test

import (
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReadGroupLocalSettingStaysWithItsCaller: set_config(..., true) is
// local to its statement's implicit transaction, which a group's members
// share: one caller's setting would reach the members behind it, other
// callers' statements (a tenant for row-level security, a search_path).
// A statement that calls set_config never joins a group, so no reader
// sees another caller's setting, while the readers around it group.
func TestReadGroupLocalSettingStaysWithItsCaller(t *testing.T) {
	ctx := testContext(t)
	p := groupPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	const setter = "SELECT length(set_config('app.tenant', $1::text, true))"
	const reader = "SELECT coalesce(length(current_setting('app.tenant', true)), 0)"
	execInt(t, ctx, p, setter, "x")
	execInt(t, ctx, p, reader)
	groupsForm(t, ctx, p)
	before := groupStats(p)
	leaks := 0
	for r := range 50 {
		markFast(p, setter, reader)
		out := groupInOrder(ctx, p.Execute, groupCallers, func(i int) (string, []any) {
			if i%2 == 0 {
				return setter, []any{"tenant-seven"}
			}
			return reader, nil
		})
		for i, o := range out {
			if o.err != nil {
				t.Fatalf("round %d caller %d: %v", r, i, o.err)
			}
			if i%2 == 1 && o.v != 0 {
				leaks++
			}
		}
	}
	after := groupStats(p)
	t.Logf("readers that saw another caller's setting: %d; %+v, then %+v", leaks, before, after)
	if leaks != 0 {
		t.Errorf("%d readers saw another caller's transaction-local setting", leaks)
	}
	if after.Statements == before.Statements {
		t.Fatal("the readers never grouped: the test shows nothing")
	}
}

// TestRoundTripNotInflatedByLargeFirstWrites: the round trip is timed by
// a Sync written ahead of a connection's first writes. Timed from when
// that Sync was queued, a write that takes long to leave the client (a
// large argument) counted as round trip, and was taken out of every later
// statement's service time: a statement that sleeps a millisecond on the
// server counted as fast, and others would wait behind it. The clock
// starts once the write has left.
func TestRoundTripNotInflatedByLargeFirstWrites(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	arg := make([]byte, 16<<20)
	for range 3 {
		if n := execInt(t, ctx, p, "SELECT length($1::bytea)", arg); n != int64(len(arg)) {
			t.Fatalf("length %d, want %d", n, len(arg))
		}
	}
	const slow = "SELECT 1 FROM pg_sleep(0.001)"
	for range 20 {
		execInt(t, ctx, p, slow)
	}
	if pool.Fast(p, slow) {
		t.Fatalf("%q, a millisecond on the server, counts as fast", slow)
	}
}
