package engine

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// runsOf counts the runs of sql the server received (Executes it did
// not skip).
func (f *fixture) runsOf(sql string) int {
	n := 0
	for _, s := range f.session.Received() {
		if s == sql {
			n++
		}
	}
	return n
}

// TestEngineForgottenStatementRunsAgain: the server dropped the engine's
// statements (DEALLOCATE ALL behind its back): a lone pool batch fails at
// Bind with 26000, before anything ran, and the engine runs it again
// unprepared, unseen: it succeeds and runs once. Its next use prepares it
// again.
func TestEngineForgottenStatementRunsAgain(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, insert)
	f.session.Forget()
	binds, parses := f.count("Bind"), f.count("Parse")
	b := one(insert)
	runOK(t, f.e, b)
	if len(b.Results) != 1 || b.Results[0].Tag != "INSERT 0 1" {
		t.Fatalf("results %+v, want the INSERT's", b.Results)
	}
	if n := f.runsOf(insert); n != 2 {
		t.Errorf("the INSERT ran %d times in all, want 2: once warming, once now", n)
	}
	if bd, p := f.count("Bind")-binds, f.count("Parse")-parses; bd != 2 || p != 1 {
		t.Errorf("%d Binds, %d unnamed Parses; want the refused Bind, then one unprepared run", bd, p)
	}
	prepares := f.count("Prepare")
	runOK(t, f.e, one(insert))
	if n := f.count("Prepare") - prepares; n != 1 {
		t.Errorf("prepared %d times on its next use, want 1", n)
	}
}

// TestEngineStalePlanRunsAgainOnce: 0A000 at Bind (cached plan must not
// change result type) means nothing ran: the statement runs again,
// unprepared, once; refused again, it fails with 0A000 without a third
// try.
func TestEngineStalePlanRunsAgainOnce(t *testing.T) {
	f := newFixture(t)
	const star = "SELECT * FROM t"
	var refusals atomic.Int32
	f.sts.set(star, pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Bind: func(*pgfake.Conn) error {
			for {
				n := refusals.Load()
				if n == 0 {
					return nil
				}
				if refusals.CompareAndSwap(n, n-1) {
					return pgfake.Fail("0A000", "cached plan must not change result type")
				}
			}
		},
		Run: texts("x").Run})
	warm(t, f.e, star)

	refusals.Store(1)
	b := one(star)
	runOK(t, f.e, b)
	if text(t, b.Results[0], 0, 0) != "x" || f.runsOf(star) != 2 {
		t.Fatalf("results %+v, %d runs in all; want x, 2", b.Results, f.runsOf(star))
	}

	refusals.Store(5)
	binds := f.count("Bind")
	b = one(star)
	errs := run(t, f.e, b)
	if code := sqlState(errs[0]); code != "0A000" || len(b.Results) != 0 {
		t.Fatalf("refused twice: %v (SQLSTATE %q), %d results; want 0A000", errs[0], code, len(b.Results))
	}
	// Prepared again (its statement was forgotten after the last
	// refusal), refused, run again unprepared, refused: no more.
	if n := f.count("Bind") - binds; n != 2 {
		t.Errorf("%d Binds, want 2: the first try and one more", n)
	}
	if n := f.runsOf(star); n != 2 {
		t.Errorf("%d runs in all, want still 2", n)
	}
}

// TestEngineNotRunAgain: the statement refused at Bind with 26000 is not
// run again where its caller could tell: when its caller gave up, inside a
// transaction, with the WAL position read behind it, or for a session's
// batch with another written behind it (whose order the second run would
// change). The Err is the server's 26000.
func TestEngineNotRunAgain(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		f := newFixture(t)
		warm(t, f.e, insert)
		f.session.Forget()
		b := one(insert)
		b.Cancelled.Store(true)
		if code := sqlState(run(t, f.e, b)[0]); code != "26000" || f.runsOf(insert) != 1 {
			t.Fatalf("SQLSTATE %q, %d runs; want 26000, not run again", code, f.runsOf(insert))
		}
	})
	t.Run("transaction", func(t *testing.T) {
		f := newFixture(t)
		runOK(t, f.e, txn(insert))
		f.session.Forget()
		b := txn(insert)
		if code := sqlState(run(t, f.e, b)[0]); code != "26000" || f.runsOf(insert) != 1 || f.e.TxStatus() != 'I' {
			t.Fatalf("SQLSTATE %q, %d runs, TxStatus %q; want 26000, not run again, idle", code, f.runsOf(insert), f.e.TxStatus())
		}
	})
	t.Run("inside a transaction block", func(t *testing.T) {
		f := newFixture(t)
		begin := one("BEGIN")
		begin.Shared = false // a session's: its transaction stays open
		warm(t, f.e, insert)
		runOK(t, f.e, begin)
		f.session.Forget()
		b := one(insert)
		b.Shared = false
		if code := sqlState(run(t, f.e, b)[0]); code != "26000" || f.runsOf(insert) != 1 {
			t.Fatalf("SQLSTATE %q, %d runs; want 26000, not run again", code, f.runsOf(insert))
		}
		if s := f.e.TxStatus(); s != 'E' {
			t.Fatalf("TxStatus %q, want E: the session's failed transaction is its own to end", s)
		}
		rollback := one("ROLLBACK")
		rollback.Shared = false
		runOK(t, f.e, rollback)
		if s := f.e.TxStatus(); s != 'I' {
			t.Fatalf("TxStatus %q after ROLLBACK, want I", s)
		}
	})
	t.Run("WAL position behind it", func(t *testing.T) {
		f := newFixture(t)
		warm(t, f.e, insert)
		f.session.Forget()
		b := one(insert)
		b.WALAfter = true
		if code := sqlState(run(t, f.e, b)[0]); code != "26000" || f.runsOf(insert) != 1 {
			t.Fatalf("SQLSTATE %q, %d runs; want 26000, not run again", code, f.runsOf(insert))
		}
	})
	t.Run("session batch with another behind", func(t *testing.T) {
		f := newFixture(t)
		warm(t, f.e, insert, selectOne)
		f.session.Forget()
		a, b := one(insert), one(selectOne)
		a.Shared, b.Shared = false, false
		writeTogether(t, f.e, a, b)
		readInOrder(t, f.e, a, b)
		if code := sqlState(a.Err); code != "26000" {
			t.Fatalf("the first: %v, want 26000: a statement is written behind it", a.Err)
		}
		// Nothing is behind the second: it runs again, unseen.
		if b.Err != nil || text(t, b.Results[0], 0, 0) != "one" {
			t.Fatalf("the second: Err %v, results %+v; want it run again", b.Err, b.Results)
		}
		if got, want := f.session.Received(), []string{insert, selectOne, selectOne}; !slices.Equal(got, want) {
			t.Errorf("the server ran %q, want %q", got, want)
		}
	})
	t.Run("pool batches run again in order", func(t *testing.T) {
		f := newFixture(t)
		warm(t, f.e, insert, selectOne)
		f.session.Forget()
		a, b := one(insert), one(selectOne)
		writeTogether(t, f.e, a, b)
		readInOrder(t, f.e, a, b)
		if a.Err != nil || b.Err != nil || a.Results[0].Tag != "INSERT 0 1" || text(t, b.Results[0], 0, 0) != "one" {
			t.Fatalf("a: %v %+v; b: %v %+v; want both run again", a.Err, a.Results, b.Err, b.Results)
		}
	})
}
