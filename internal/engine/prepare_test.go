package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineFailedPrepare: a one-statement batch whose Prepare fails (a
// syntax error) fails with the server's SQLSTATE, nothing of it run; the
// next batch of the same SQL prepares again, and succeeds once the server
// accepts the text.
func TestEngineFailedPrepare(t *testing.T) {
	f := newFixture(t)
	const bad = "SELEC 1"
	for round := range 2 {
		b := one(bad)
		errs := run(t, f.e, b)
		if code := sqlState(errs[0]); code != "42601" {
			t.Fatalf("round %d: %v, want 42601", round, errs[0])
		}
		if n := f.count("Prepare"); n != round+1 {
			t.Fatalf("round %d: %d Prepares, want %d: each batch prepares again", round, n, round+1)
		}
		if f.count("Bind") != 0 || f.e.InFlight() || f.e.PreparingFirst() != "" {
			t.Fatalf("round %d: %d Binds, InFlight %v; want nothing run", round, f.count("Bind"), f.e.InFlight())
		}
	}
	f.sts.set(bad, texts("fixed"))
	b := one(bad)
	runOK(t, f.e, b)
	if text(t, b.Results[0], 0, 0) != "fixed" || f.count("Prepare") != 3 {
		t.Fatalf("results %+v after %d Prepares; want fixed, prepared a third time", b.Results, f.count("Prepare"))
	}
}

// TestEngineFailedPrepareKeptForItsBatch: the error of a Prepare goes to
// the batch that waited for it (Held), not to another batch of the same
// SQL that comes after that one was dropped: that one prepares afresh.
func TestEngineFailedPrepareKeptForItsBatch(t *testing.T) {
	f := newFixture(t)
	const late = "SELECT late"
	dropped := one(late)
	if ready, err := f.e.PrepareFor(dropped); ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v; want a Prepare written and the batch held", ready, err)
	}
	if err := f.e.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := f.e.PreparingFirst(); got != late {
		t.Fatalf("PreparingFirst %q, want %q", got, late)
	}
	if b, err := f.e.ReadNext(); b != nil || err != nil {
		t.Fatalf("ReadNext = %v, %v; want nil, nil: only a Prepare was in flight", b, err)
	}
	// The batch is dropped (its caller gave up); the server learns the text.
	f.sts.set(late, texts("late"))
	b := one(late)
	runOK(t, f.e, b)
	if text(t, b.Results[0], 0, 0) != "late" || f.count("Prepare") != 2 {
		t.Fatalf("results %+v, %d Prepares; want late, prepared afresh", b.Results, f.count("Prepare"))
	}
}

// TestEngineFailedPrepareInTransaction: in a transaction, a statement
// whose Prepare failed is sent unprepared in its turn (it might need what
// the statements before it create); the server refuses it again, and the
// transaction fails with its SQLSTATE and is rolled back.
func TestEngineFailedPrepareInTransaction(t *testing.T) {
	f := newFixture(t)
	const bad = "SELECT 1 FROM WHERE" // a SELECT: what follows it stays prepared
	b := txn(insert, bad, selectOne)
	errs := run(t, f.e, b)
	if code := sqlState(errs[0]); code != "42601" || errs[0] != b.Err {
		t.Fatalf("%v, want 42601", errs[0])
	}
	if s := f.e.TxStatus(); s != 'I' {
		t.Fatalf("TxStatus %q, want I: rolled back", s)
	}
	if got, want := f.session.Received(), []string{"BEGIN", insert, "ROLLBACK"}; !slices.Equal(got, want) {
		t.Errorf("the server ran %q, want %q", got, want)
	}
	if p, u := f.count("Prepare"), f.count("Parse"); p != 5 || u != 1 {
		t.Errorf("%d Prepares, %d unnamed Parses; want all five prepared, the failed one sent again unprepared", p, u)
	}
}

// TestEngineDeallocateAllClearsCache: a statement whose tag says it
// dropped every prepared statement (DEALLOCATE ALL) empties the engine's
// cache, so the next statement prepares again instead of failing at Bind.
func TestEngineDeallocateAllClearsCache(t *testing.T) {
	f := newFixture(t)
	f.sts.set("DEALLOCATE ALL", pgfake.Statement{Run: func(_ context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
		c.Forget()
		return nil, "DEALLOCATE ALL", nil
	}})
	warm(t, f.e, selectOne)
	runOK(t, f.e, one("DEALLOCATE ALL"))
	prepares, binds := f.count("Prepare"), f.count("Bind")
	b := one(selectOne)
	runOK(t, f.e, b)
	if p, bd := f.count("Prepare")-prepares, f.count("Bind")-binds; p != 1 || bd != 1 {
		t.Errorf("%d Prepares, %d Binds; want prepared again and bound once", p, bd)
	}
	if text(t, b.Results[0], 0, 0) != "one" {
		t.Errorf("results %+v", b.Results)
	}
}
