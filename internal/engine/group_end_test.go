package engine

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineGroupEndsBeforeOthers: what is no member (a transaction, a
// Ping, a statement not marked Group) ends the open group before it is
// written: it keeps a Sync of its own, and the group's failure, which
// the server meets before it, does not touch its outcome. A read written
// behind it opens a new group.
func TestEngineGroupEndsBeforeOthers(t *testing.T) {
	for _, c := range []struct {
		name   string
		other  func() *Batch
		unit   string
		behind bool // a read may be written behind it (not behind a transaction)
		check  func(t *testing.T, b *Batch)
	}{
		{"transaction", func() *Batch { return txn(selectOne) }, "BEGIN, 'one', COMMIT", false, func(t *testing.T, b *Batch) {
			if b.Err != nil || len(b.Results) != 3 || text(t, b.Results[1], 0, 0) != "one" || b.Results[2].Tag != "COMMIT" {
				t.Errorf("the transaction: Err %v, results %+v", b.Err, b.Results)
			}
		}},
		{"ping", func() *Batch { return &Batch{Ctx: context.Background(), Ping: true} }, "(sync)", true, func(t *testing.T, b *Batch) {
			if b.Err != nil {
				t.Errorf("the ping: %v", b.Err)
			}
		}},
		{"statement", func() *Batch { return one(selectOne) }, "'one'", true, func(t *testing.T, b *Batch) {
			wantValue(t, b, "one", false)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGroups(t)
			op, m1, m3 := g.stmt("op"), g.stmt("m1"), g.stmt("m3")
			bad, fail := g.onCue("bad", "22012")
			g.prime(t, op, m1, bad, m3)
			runOK(t, g.e, txn(selectOne))
			fail(true)
			m := g.mark()
			rop, r1, rbad, other, r3 := read(op), read(m1), read(bad), c.other(), read(m3)
			bs := []*Batch{rop, r1, rbad, other}
			if c.behind {
				bs = append(bs, r3)
			}
			writeTogether(t, g.e, bs...)
			deliver(t, g.e, bs...)
			want := []string{"op", "guard, m1, bad", c.unit}
			if c.behind {
				want = append(want, "guard, m3")
			}
			g.wantUnits(t, m, want...)
			wantSkipped(t, r1)
			if code := sqlState(rbad.Err); code != "22012" || !rbad.Grouped {
				t.Errorf("the failed member: Err %v (SQLSTATE %q), Grouped %v; want 22012, Grouped", rbad.Err, code, rbad.Grouped)
			}
			c.check(t, other)
			if other.Skipped || other.Grouped {
				t.Errorf("the other: Skipped %v, Grouped %v; want neither", other.Skipped, other.Grouped)
			}
			if c.behind {
				wantValue(t, r3, "m3", true)
			}
		})
	}
}

// TestEngineGroupEndsBeforePrepare: a member whose statement is not
// prepared ends the open group before its Prepare is written (the
// Prepare's Sync would end it on the server), waits for it, and is
// written once it is answered.
func TestEngineGroupEndsBeforePrepare(t *testing.T) {
	g := newGroups(t)
	op, m1, fresh := g.stmt("op"), g.stmt("m1"), g.stmt("fresh")
	g.prime(t, op, m1)
	m := g.mark()
	rop, r1, rf := read(op), read(m1), read(fresh)
	writeTogether(t, g.e, rop, r1)
	if ready, err := g.e.PrepareFor(rf); ready || err != nil {
		t.Fatalf("PrepareFor of an unprepared statement = %v, %v; want it to wait", ready, err)
	}
	if err := g.e.Flush(); err != nil {
		t.Fatal(err)
	}
	handBack(t, g.e, rop, r1)
	if b, err := g.e.ReadNext(); b != nil || err != nil || g.e.InFlight() {
		t.Fatalf("ReadNext = %v, %v, InFlight %v; want the Prepare answered, nothing in flight", b, err, g.e.InFlight())
	}
	writeTogether(t, g.e, rf)
	deliver(t, g.e, rf)
	g.wantUnits(t, m, "op", "guard, m1", "prepare fresh", "fresh")
	wantValue(t, rop, "op", false)
	wantValue(t, r1, "m1", true)
	wantValue(t, rf, "fresh", false)
}

// TestEngineGroupMemberTooLarge: an error of the engine's own on a member
// (a result over MaxResultBytes) is no server error: the server went on,
// the group commits, the member gets its error and the others their
// values.
func TestEngineGroupMemberTooLarge(t *testing.T) {
	g := newGroups(t)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	const big = "SELECT big"
	g.sts.set(big, texts("aaaa", "bbbb", "cccc"))
	g.prime(t, op, m1, m2, big)
	lowerMaxResultBytes(t, 8)
	m := g.mark()
	rop, r1, rbig, r2 := read(op), read(m1), read(big), read(m2)
	writeTogether(t, g.e, rop, r1, rbig, r2)
	deliver(t, g.e, rop, r1, rbig, r2)
	g.wantUnits(t, m, "op", "guard, m1, big, m2")
	wantValue(t, r1, "m1", true)
	wantValue(t, r2, "m2", true)
	if !errors.Is(rbig.Err, ErrResultTooLarge) || !rbig.Grouped || rbig.Skipped || len(rbig.Results) != 0 {
		t.Errorf("the member too large: Err %v, Grouped %v, Skipped %v, %d results; want ErrResultTooLarge, Grouped, no result",
			rbig.Err, rbig.Grouped, rbig.Skipped, len(rbig.Results))
	}
}

// TestEngineGroupCancelled: the engine takes no notice of a member's
// Cancelled flag until its outcome needs it: a cancelled read joins a
// group like any other; if the group commits it is handed back with its
// value, Grouped; if another member fails it is Skipped like the rest
// (the pool, not the engine, drops a cancelled request rather than write
// it again); refused at Bind with a stale statement it is not run again:
// it keeps the server's error, Grouped, as a cancelled lone statement
// does (TestEngineNotRunAgain).
func TestEngineGroupCancelled(t *testing.T) {
	g := newGroups(t)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	bad, fail := g.onCue("bad", "22012")
	const stale = "SELECT stale"
	var refuse atomic.Bool
	st := texts("stale")
	st.Bind = func(*pgfake.Conn) error {
		if refuse.Load() {
			return pgfake.Fail("26000", "prepared statement does not exist")
		}
		return nil
	}
	g.sts.set(stale, st)
	g.prime(t, op, m1, m2, bad, stale)

	cancelled := func(sql string) *Batch {
		b := read(sql)
		b.Cancelled.Store(true)
		return b
	}
	m := g.mark()
	rop, r1, r2 := read(op), cancelled(m1), read(m2)
	writeTogether(t, g.e, rop, r1, r2)
	deliver(t, g.e, rop, r1, r2)
	wantValue(t, r1, "m1", true)
	wantValue(t, r2, "m2", true)

	fail(true)
	rop, r1, rbad, r2 := read(op), cancelled(m1), read(bad), read(m2)
	writeTogether(t, g.e, rop, r1, rbad, r2)
	deliver(t, g.e, rop, r1, rbad, r2)
	wantSkipped(t, r1)
	wantSkipped(t, r2)
	if code := sqlState(rbad.Err); code != "22012" || !rbad.Grouped {
		t.Errorf("the failed member: Err %v (SQLSTATE %q), Grouped %v; want 22012, Grouped", rbad.Err, code, rbad.Grouped)
	}
	fail(false)

	refuse.Store(true)
	rop, rs, r2 := read(op), cancelled(stale), read(m2)
	writeTogether(t, g.e, rop, rs, r2)
	deliver(t, g.e, rop, rs, r2)
	refuse.Store(false)
	if code := sqlState(rs.Err); code != "26000" || !rs.Grouped || rs.Skipped || len(rs.Results) != 0 {
		t.Errorf("the cancelled stale member: Err %v (SQLSTATE %q), Grouped %v, Skipped %v, %d results; want 26000, Grouped, not run again",
			rs.Err, code, rs.Grouped, rs.Skipped, len(rs.Results))
	}
	wantSkipped(t, r2)
	if n := g.runsOf(stale); n != 1 {
		t.Errorf("the stale statement ran %d times in all, want once (warm)", n)
	}
	g.wantUnits(t, m,
		"op", "guard, m1, m2",
		"op", "guard, m1, bad, m2",
		"close, op", "guard, stale, m2")
}

// TestEngineGroupCommitFails: the server fails the group's commit at its
// Sync: nothing of the group stands, and every member comes back
// Skipped, those that ran included.
func TestEngineGroupCommitFails(t *testing.T) {
	g := newGroups(t)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	g.prime(t, op, m1, m2)
	syncs := 0
	g.setHook(func(c *pgfake.Conn, m pgproto3.FrontendMessage) {
		if _, ok := m.(*pgproto3.Sync); ok {
			if syncs++; syncs == 2 { // op's, then the group's
				c.FailSync(pgfake.Fail("53200", "out of memory"))
			}
		}
	})
	m := g.mark()
	rop, r1, r2 := read(op), read(m1), read(m2)
	writeTogether(t, g.e, rop, r1, r2)
	deliver(t, g.e, rop, r1, r2)
	g.setHook(nil)
	g.wantUnits(t, m, "op", "guard, m1, m2")
	wantValue(t, rop, "op", false)
	wantSkipped(t, r1)
	wantSkipped(t, r2)
	if got := g.session.Received(); !slices.Equal(got[len(got)-2:], []string{m1, m2}) {
		t.Errorf("the server ran %q last, want both members: they ran", got)
	}

	// The connection goes on, and groups.
	m = g.mark()
	rop = read(op)
	writeTogether(t, g.e, rop, r1, r2)
	deliver(t, g.e, rop, r1, r2)
	g.wantUnits(t, m, "op", "guard, m1, m2")
	wantValue(t, r1, "m1", true)
	wantValue(t, r2, "m2", true)
}

// brokenGroup breaks the connection under a group in flight, and
// returns the batch handed back before the group (op), the group's
// member read and held (m1), the member being read when the connection
// broke (cut) and the one behind it (m3), with ReadNext's error. All
// four were written in one pass: op alone (nothing was in flight before
// it), the others in one group.
func brokenGroup(t *testing.T) (g *groups, op, m1, cut, m3 *Batch, err error) {
	t.Helper()
	g = newGroups(t)
	sop, sm1, sm3 := g.stmt("op"), g.stmt("m1"), g.stmt("m3")
	const cutter = "SELECT cut"
	var cutting atomic.Bool
	st := texts("not cut")
	run := st.Run
	st.Run = func(ctx context.Context, c *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
		if cutting.Load() {
			c.Cut()
		}
		return run(ctx, c, args)
	}
	g.sts.set(cutter, st)
	g.prime(t, sop, sm1, cutter, sm3)
	cutting.Store(true)
	op, m1, cut, m3 = read(sop), read(sm1), read(cutter), read(sm3)
	writeTogether(t, g.e, op, m1, cut, m3)
	readInOrder(t, g.e, op)
	for err == nil { // m1 may be read, and held, before the cut is seen
		var b *Batch
		if b, err = g.e.ReadNext(); b != nil {
			t.Fatalf("ReadNext handed back %q before the group's Sync", nameOf(b))
		}
	}
	var broken *BrokenError
	if !errors.As(err, &broken) {
		t.Fatalf("ReadNext after the cut: %v; want a *BrokenError", err)
	}
	return g, op, m1, cut, m3, err
}

// TestEngineGroupBroken: the connection breaks while a group is in
// flight: ReadNext fails with a *BrokenError; its members were sent, so
// they may have run (NeverSent is false, and the pool fails them as lost);
// after Lose a member not read yet is Skipped, with no outcome, and
// nothing is in flight.
func TestEngineGroupBroken(t *testing.T) {
	g, op, m1, cut, m3, err := brokenGroup(t)
	for _, b := range []*Batch{m1, cut, m3} {
		if g.e.NeverSent(b) {
			t.Errorf("%q: NeverSent after a successful Flush", nameOf(b))
		}
	}
	g.e.Lose(err, err)
	wantSkipped(t, m3)
	if g.e.InFlight() {
		t.Error("in flight after Lose")
	}
	wantValue(t, op, "op", false)
}
