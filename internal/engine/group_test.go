package engine

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineGroupOff: without Writers, reads marked Group pipelined
// together keep a Sync each, and nothing of a group reaches the server.
func TestEngineGroupOff(t *testing.T) {
	f := newFixture(t)
	f.sts.set(groupGuard, texts("on"))
	warm(t, f.e, selectOne, selectTwo)
	syncs, prepares := f.count("Sync"), f.count("Prepare")
	a, b, c, d := read(selectOne), read(selectTwo), read(selectOne), read(selectTwo)
	writeTogether(t, f.e, a, b, c, d)
	readInOrder(t, f.e, a, b, c, d)
	for i, b := range []*Batch{a, b, c, d} {
		wantValue(t, b, []string{"one", "two"}[i%2], false)
	}
	if f.e.InFlight() {
		t.Error("in flight after the four were read")
	}
	if n := f.count("Sync") - syncs; n != 4 {
		t.Errorf("%d Syncs for four reads, want one each", n)
	}
	if n, h := f.count("Prepare")-prepares, f.count("Flush"); n != 0 || h != 0 {
		t.Errorf("%d Prepares, %d protocol Flushes; want none", n, h)
	}
	if n := f.runsOf(groupGuard); n != 0 {
		t.Errorf("the guard ran %d times", n)
	}
}

// TestEngineGroupFirst: the first read written behind another on a
// connection has the guard prepared, and goes alone, as does the read
// behind it while that Prepare is answered; from then on, reads written
// behind something in flight share one guard and one Sync, and are
// handed back in order once it is read, with their own values.
func TestEngineGroupFirst(t *testing.T) {
	g := newGroups(t)
	a, b, c, d := g.stmt("a"), g.stmt("b"), g.stmt("c"), g.stmt("d")
	warm(t, g.e, a, b, c, d)
	m := g.mark()
	ra, rb, rc := read(a), read(b), read(c)
	writeTogether(t, g.e, ra, rb, rc)
	deliver(t, g.e, ra, rb, rc)
	g.wantUnits(t, m, "a", "prepare guard", "b", "c")
	for _, x := range []struct {
		b *Batch
		v string
	}{{ra, "a"}, {rb, "b"}, {rc, "c"}} {
		wantValue(t, x.b, x.v, false)
	}
	if g.e.cache.Get(groupGuard) == nil {
		t.Fatal("the guard is not cached once its Prepare was answered")
	}

	m, syncs := g.mark(), g.count("Sync")
	ra, rb, rc, rd := read(a), read(b), read(c), read(d)
	writeTogether(t, g.e, ra, rb, rc, rd)
	if !g.e.InFlight() {
		t.Fatal("not in flight after the write")
	}
	deliver(t, g.e, ra, rb, rc, rd)
	// One group, ended by the Flush that sent it.
	g.wantUnits(t, m, "a", "guard, b, c, d")
	wantValue(t, ra, "a", false)
	for _, x := range []struct {
		b *Batch
		v string
	}{{rb, "b"}, {rc, "c"}, {rd, "d"}} {
		wantValue(t, x.b, x.v, true)
	}
	if n := g.count("Sync") - syncs; n != 2 {
		t.Errorf("%d Syncs, want 2: the first read's and the group's", n)
	}
	if got, want := g.session.Received()[len(g.session.Received())-5:], []string{a, groupGuard, b, c, d}; !slices.Equal(got, want) {
		t.Errorf("the server ran %q last, want %q", got, want)
	}
}

// TestEngineGroupNeedsWorkInFlight: a read written when nothing is in
// flight keeps its own Sync, with no guard: a group of one would cost
// more than the read alone.
func TestEngineGroupNeedsWorkInFlight(t *testing.T) {
	g := newGroups(t)
	a, b := g.stmt("a"), g.stmt("b")
	g.prime(t, a, b)
	guards := g.runsOf(groupGuard)
	m := g.mark()
	ra := read(a)
	writeTogether(t, g.e, ra)
	deliver(t, g.e, ra)
	rb := read(b)
	writeTogether(t, g.e, rb)
	deliver(t, g.e, rb)
	g.wantUnits(t, m, "a", "b")
	wantValue(t, ra, "a", false)
	wantValue(t, rb, "b", false)
	if n := g.runsOf(groupGuard) - guards; n != 0 {
		t.Errorf("the guard ran %d times", n)
	}
}

// TestEngineGroupMemberFails: a member fails (22012): it keeps its error
// and is Grouped; the member before it ran but its transaction rolled
// back, the one after it never ran: both come back Skipped, with no
// outcome, and written again they get their values.
func TestEngineGroupMemberFails(t *testing.T) {
	g := newGroups(t)
	op, m1, m3 := g.stmt("op"), g.stmt("m1"), g.stmt("m3")
	bad, fail := g.onCue("bad", "22012")
	g.prime(t, op, m1, bad, m3)
	fail(true)
	m := g.mark()
	rop, r1, rbad, r3 := read(op), read(m1), read(bad), read(m3)
	writeTogether(t, g.e, rop, r1, rbad, r3)
	deliver(t, g.e, rop, r1, rbad, r3)
	g.wantUnits(t, m, "op", "guard, m1, bad, m3")
	wantValue(t, rop, "op", false)
	if code := sqlState(rbad.Err); code != "22012" || !rbad.Grouped || rbad.Skipped || len(rbad.Results) != 0 {
		t.Errorf("the failed member: Err %v (SQLSTATE %q), Grouped %v, Skipped %v, %d results; want 22012, Grouped, no result",
			rbad.Err, code, rbad.Grouped, rbad.Skipped, len(rbad.Results))
	}
	wantSkipped(t, r1)
	wantSkipped(t, r3)
	if n1, n3 := g.runsOf(m1), g.runsOf(m3); n1 != 2 || n3 != 1 {
		t.Errorf("m1 ran %d times, m3 %d in all; want 2 (warm, group), 1 (warm): the server skipped m3", n1, n3)
	}

	// Written again, as the pool does; the failed statement's Close goes
	// out with the first, outside any group.
	m = g.mark()
	writeTogether(t, g.e, r1, r3)
	deliver(t, g.e, r1, r3)
	g.wantUnits(t, m, "close, m1", "guard, m3")
	wantValue(t, r1, "m1", false)
	wantValue(t, r3, "m3", true)
}

// TestEngineGroupWriter: a member fails with 25006 (a writer dressed as
// a read): it comes back Skipped with the others, its SQL is in Writers,
// and it never joins a group again: written behind something in flight
// it keeps its own Sync, between two groups.
func TestEngineGroupWriter(t *testing.T) {
	g := newGroups(t)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	writer, fail := g.onCue("writer", "25006")
	g.prime(t, op, m1, writer, m2)
	fail(true)
	m := g.mark()
	rop, r1, rw, r2 := read(op), read(m1), read(writer), read(m2)
	writeTogether(t, g.e, rop, r1, rw, r2)
	deliver(t, g.e, rop, r1, rw, r2)
	g.wantUnits(t, m, "op", "guard, m1, writer, m2")
	wantValue(t, rop, "op", false)
	wantSkipped(t, r1)
	wantSkipped(t, rw)
	wantSkipped(t, r2)
	if !g.e.cfg.Writers.Has(writer) {
		t.Fatal("the writer's SQL is not in Writers")
	}
	if g.e.cfg.Writers.Has(m1) || g.e.cfg.Writers.Has(m2) {
		t.Error("a member that did not fail is in Writers")
	}

	// Alone, it runs (the server refuses it only in a read-only
	// transaction). Prepared again after its error, it is written with
	// the others, behind something in flight, as a fresh batch would be.
	fail(false)
	runOK(t, g.e, one(writer))
	m = g.mark()
	rop, fresh := read(op), read(writer)
	writeTogether(t, g.e, rop, r1, rw, r2, fresh)
	deliver(t, g.e, rop, r1, rw, r2, fresh)
	g.wantUnits(t, m, "op", "guard, m1", "writer", "guard, m2", "writer")
	wantValue(t, rop, "op", false)
	wantValue(t, r1, "m1", true)
	wantValue(t, rw, "ok", false)
	wantValue(t, r2, "m2", true)
	wantValue(t, fresh, "ok", false)
}

// TestEngineGroupRunsAgainAlone: a member fails with 40001 (a
// serialization failure), 40P01 (a deadlock) or at Bind with a stale
// plan (0A000): it comes back Skipped, with the others, and is written
// alone next time; its SQL is not a writer: another batch of it still
// joins a group.
func TestEngineGroupRunsAgainAlone(t *testing.T) {
	for _, code := range []string{"40001", "40P01", "0A000"} {
		t.Run(code, func(t *testing.T) {
			g := newGroups(t)
			op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
			const again = "SELECT again"
			st, fail := failsOnCue(code)
			if code == "0A000" {
				// Refused at Bind, before anything of it ran.
				st.Bind = func(*pgfake.Conn) error {
					if fail.Load() {
						return pgfake.Fail(code, "cached plan must not change result type")
					}
					return nil
				}
				st.Run = texts("ok").Run
			}
			g.sts.set(again, st)
			g.prime(t, op, m1, again, m2)
			fail.Store(true)
			m := g.mark()
			rop, r1, ra, r2 := read(op), read(m1), read(again), read(m2)
			writeTogether(t, g.e, rop, r1, ra, r2)
			deliver(t, g.e, rop, r1, ra, r2)
			g.wantUnits(t, m, "op", "guard, m1, again, m2")
			wantValue(t, rop, "op", false)
			wantSkipped(t, r1)
			wantSkipped(t, ra)
			wantSkipped(t, r2)
			if g.e.cfg.Writers.Has(again) {
				t.Errorf("%s made its SQL a writer", code)
			}

			fail.Store(false)
			runOK(t, g.e, one(again)) // prepared again after its error
			m = g.mark()
			rop = read(op)
			writeTogether(t, g.e, rop, r1, ra, r2)
			deliver(t, g.e, rop, r1, ra, r2)
			g.wantUnits(t, m, "op", "guard, m1", "again", "guard, m2")
			wantValue(t, rop, "op", false)
			wantValue(t, r1, "m1", true)
			wantValue(t, ra, "ok", false)
			wantValue(t, r2, "m2", true)

			m = g.mark()
			rop, fresh := read(op), read(again)
			writeTogether(t, g.e, rop, fresh)
			deliver(t, g.e, rop, fresh)
			g.wantUnits(t, m, "op", "guard, again")
			wantValue(t, fresh, "ok", true)
		})
	}
}

// TestEngineGroupIsolationRefused: the guard fails with 22P02 (the
// session's isolation is not read committed): no member ran, all come
// back Skipped, and the connection groups no more, until a SET is
// written.
func TestEngineGroupIsolationRefused(t *testing.T) {
	g := newGroups(t)
	const set = "SET default_transaction_isolation TO 'read committed'"
	g.sts.set(set, pgfake.Statement{Run: tagged("SET")})
	guard, refuse := failsOnCue("22P02")
	g.sts.set(groupGuard, guard)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	g.prime(t, op, m1, m2, selectOne, set)
	refuse.Store(true)
	m := g.mark()
	rop, r1, r2 := read(op), read(m1), read(m2)
	writeTogether(t, g.e, rop, r1, r2)
	deliver(t, g.e, rop, r1, r2)
	g.wantUnits(t, m, "op", "guard, m1, m2")
	wantValue(t, rop, "op", false)
	wantSkipped(t, r1)
	wantSkipped(t, r2)
	if n1, n2 := g.runsOf(m1), g.runsOf(m2); n1 != 1 || n2 != 1 {
		t.Errorf("members ran %d, %d times in all, want once each (warm): the server skipped them", n1, n2)
	}

	// The guard would pass now, but the engine does not try it: nothing
	// has changed the session. A statement that is no SET changes nothing.
	refuse.Store(false)
	m = g.mark()
	rop, other, r1b, r2b := read(op), one(selectOne), read(m1), read(m2)
	writeTogether(t, g.e, rop, r1, r2, other, r1b, r2b)
	readInOrder(t, g.e, rop, r1, r2, other, r1b, r2b)
	g.wantUnits(t, m, "op", "m1", "m2", "'one'", "m1", "m2")
	wantValue(t, r1, "m1", false)
	wantValue(t, r2, "m2", false)
	wantValue(t, r1b, "m1", false)
	wantValue(t, r2b, "m2", false)
	if n := g.runsOf(groupGuard); n != 1 {
		t.Errorf("the guard ran %d times in all, want once: refused", n)
	}

	m = g.mark()
	setb, r1, r2 := one(set), read(m1), read(m2)
	writeTogether(t, g.e, setb, r1, r2)
	deliver(t, g.e, setb, r1, r2)
	g.wantUnits(t, m, "SET default_transaction_isolation TO 'read committed'", "guard, m1, m2")
	wantValue(t, r1, "m1", true)
	wantValue(t, r2, "m2", true)
}

// TestEngineGroupEndsAtFlush: a group is what one write pass holds: the
// Flush that sends it writes its Sync, and a member written after, while
// it is still being read, opens a group of its own behind it. (Kept open
// across passes, its transaction would begin before the later member's
// call: now() there would precede the call.)
func TestEngineGroupEndsAtFlush(t *testing.T) {
	g := newGroups(t)
	op, m1, m2, m3 := g.stmt("op"), g.stmt("m1"), g.stmt("m2"), g.stmt("m3")
	g.prime(t, op, m1, m2, m3)
	m, syncs, guards := g.mark(), g.count("Sync"), g.runsOf(groupGuard)
	rop, r1, r2, r3 := read(op), read(m1), read(m2), read(m3)
	writeTogether(t, g.e, rop, r1, r2)
	readInOrder(t, g.e, rop)
	if b, err := g.e.ReadNext(); b != nil || err != nil {
		t.Fatalf("ReadNext = %v, %v; want nil, nil: the member is held until the Sync", b, err)
	}
	if len(r1.Results) != 1 || !g.e.InFlight() || r1.Grouped {
		t.Fatalf("m1 read: %d results, InFlight %v, Grouped %v; want its result, in flight, not Grouped yet",
			len(r1.Results), g.e.InFlight(), r1.Grouped)
	}
	writeTogether(t, g.e, r3)
	deliver(t, g.e, r1, r2, r3)
	if g.e.InFlight() {
		t.Fatal("in flight after the groups' members were handed back")
	}
	g.wantUnits(t, m, "op", "guard, m1, m2", "guard, m3")
	wantValue(t, r1, "m1", true)
	wantValue(t, r2, "m2", true)
	wantValue(t, r3, "m3", true)
	if s, gd := g.count("Sync")-syncs, g.runsOf(groupGuard)-guards; s != 3 || gd != 2 {
		t.Errorf("%d Syncs, %d guards; want 3 (op's and each group's), 2", s, gd)
	}
}

// TestEngineGroupLimit: a group holds GroupLimit members at most; the
// next member written opens another behind it.
func TestEngineGroupLimit(t *testing.T) {
	g := newGroups(t)
	op := g.stmt("op")
	g.prime(t, op)
	runOK(t, g.e, one(echo, "warm"))
	m, syncs, guards := g.mark(), g.count("Sync"), g.runsOf(groupGuard)
	bs := []*Batch{read(op)}
	for i := range 2*GroupLimit + 1 {
		bs = append(bs, read(echo, strconv.Itoa(i)))
	}
	writeTogether(t, g.e, bs...)
	deliver(t, g.e, bs...)
	full := "guard" + strings.Repeat(", "+alias(echo), GroupLimit)
	g.wantUnits(t, m, "op", full, full, "guard, "+alias(echo)+"")
	for i, b := range bs[1:] {
		wantValue(t, b, strconv.Itoa(i), true)
	}
	if s, gd := g.count("Sync")-syncs, g.runsOf(groupGuard)-guards; s != 4 || gd != 3 {
		t.Errorf("%d Syncs, %d guards; want 4, 3", s, gd)
	}
}

// TestEngineGroupFailureStaysInItsGroup: groups written back to back (the
// first full at GroupLimit) end at Syncs of their own: a member failing
// in the first skips the rest of the first only, and the second commits.
func TestEngineGroupFailureStaysInItsGroup(t *testing.T) {
	g := newGroups(t)
	op := g.stmt("op")
	bad, fail := g.onCue("bad", "22012")
	g.prime(t, op, bad)
	runOK(t, g.e, one(echo, "warm"))
	fail(true)
	first := make([]*Batch, GroupLimit)
	for i := range first {
		first[i] = read(echo, strconv.Itoa(i))
	}
	first[2] = read(bad)
	second := []*Batch{read(echo, "x"), read(echo, "y")}
	bs := append(append([]*Batch{read(op)}, first...), second...)
	m := g.mark()
	writeTogether(t, g.e, bs...)
	deliver(t, g.e, bs...)
	e := alias(echo)
	g.wantUnits(t, m, "op", "guard, "+e+", "+e+", bad"+strings.Repeat(", "+e, GroupLimit-3), "guard, "+e+", "+e+"")
	for i, b := range first {
		if i == 2 {
			if code := sqlState(b.Err); code != "22012" || !b.Grouped {
				t.Errorf("the failed member: Err %v (SQLSTATE %q), Grouped %v; want 22012, Grouped", b.Err, code, b.Grouped)
			}
			continue
		}
		wantSkipped(t, b)
	}
	wantValue(t, second[0], "x", true)
	wantValue(t, second[1], "y", true)
}
