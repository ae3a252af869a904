package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// Read groups: behaviour group.go documents that the engine does not
// have yet. These tests fail until it does.

// TestEngineGroupLoseSettlesEveryMember: after Lose, every member of a
// group that had not ended is Skipped, with no outcome, and no longer
// Undone, as a member not read yet is (TestEngineGroupBroken): also one
// read and held before the break, one being read when it broke, and
// those of a group whose Sync was being read. Written again on another
// connection, as the pool does with what Undone reported, each gets one
// result.
func TestEngineGroupLoseSettlesEveryMember(t *testing.T) {
	// again writes bs on a connection of their own and checks they get
	// one result each.
	again := func(t *testing.T, bs ...*Batch) {
		t.Helper()
		h := newGroups(t)
		for _, b := range bs {
			h.sts.set(nameOf(b), texts(alias(nameOf(b))))
			warm(t, h.e, nameOf(b))
		}
		writeTogether(t, h.e, bs...)
		deliver(t, h.e, bs...)
		for _, b := range bs {
			if b.Err != nil || len(b.Results) != 1 {
				t.Errorf("%q written again: Err %v, %d results; want one result", nameOf(b), b.Err, len(b.Results))
			}
		}
	}
	t.Run("group open", func(t *testing.T) {
		g, _, m1, cut, m3, err := brokenGroup(t)
		g.e.Lose(err, err)
		for _, b := range []*Batch{m1, cut, m3} {
			wantSkipped(t, b)
			if g.e.Undone(b) {
				t.Errorf("%q: Undone after Lose", nameOf(b))
			}
		}
		again(t, m1, cut, m3)
	})
	t.Run("at the group's Sync", func(t *testing.T) {
		g := newGroups(t)
		op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
		g.prime(t, op, m1, m2)
		syncs := 0
		g.setHook(func(c *pgfake.Conn, m pgproto3.FrontendMessage) {
			if _, ok := m.(*pgproto3.Sync); ok {
				if syncs++; syncs == 2 { // op's, then the group's
					c.Cut()
				}
			}
		})
		rop, r1, r2 := read(op), read(m1), read(m2)
		writeTogether(t, g.e, rop, r1, r2)
		readInOrder(t, g.e, rop)
		for range 3 { // m1, m2, then nothing left to read
			if b, err := g.e.ReadNext(); b != nil || err != nil {
				t.Fatalf("ReadNext = %v, %v; want nil, nil", b, err)
			}
		}
		if err := g.e.Flush(); err != nil { // the group's Sync
			t.Fatal(err)
		}
		b, err := g.e.ReadNext()
		var broken *BrokenError
		if b != nil || !errors.As(err, &broken) {
			t.Fatalf("ReadNext after the cut = %v, %v; want nil and a *BrokenError", b, err)
		}
		for _, b := range []*Batch{r1, r2} {
			if !g.e.Undone(b) {
				t.Errorf("%q: not Undone, a member of the unfinished group", nameOf(b))
			}
		}
		g.e.Lose(err, err)
		for _, b := range []*Batch{r1, r2} {
			wantSkipped(t, b)
			if g.e.Undone(b) {
				t.Errorf("%q: Undone after Lose", nameOf(b))
			}
		}
		again(t, r1, r2)
	})
}

// TestEngineGroupGuardForgotten: the server dropped the engine's prepared
// statements behind its back (DEALLOCATE ALL, DISCARD ALL run through
// pgx's own Query): the guard fails at Bind with 26000, and the group's
// members come back Skipped. The engine forgets a statement after an
// error of its own and prepares it again; the guard too, so that a later
// group, of members prepared again, goes through.
func TestEngineGroupGuardForgotten(t *testing.T) {
	g := newGroups(t)
	op, m1, m2 := g.stmt("op"), g.stmt("m1"), g.stmt("m2")
	g.prime(t, op, m1, m2)
	g.session.Forget()
	rop, r1, r2 := read(op), read(m1), read(m2)
	writeTogether(t, g.e, rop, r1, r2)
	// op, refused at Bind, runs again unprepared behind the group.
	deliver(t, g.e, r1, r2, rop)
	wantSkipped(t, r1)
	wantSkipped(t, r2)
	wantValue(t, rop, "op", false)

	for round := range 3 {
		// Statements prepared since the server forgot: only the guard
		// can fail.
		op, a, b := g.stmt(fmt.Sprint("op", round)), g.stmt(fmt.Sprint("a", round)), g.stmt(fmt.Sprint("b", round))
		warm(t, g.e, op, a, b)
		rop, ra, rb := read(op), read(a), read(b)
		writeTogether(t, g.e, rop, ra, rb)
		deliver(t, g.e, rop, ra, rb)
		if ra.Grouped && rb.Grouped {
			return
		}
	}
	t.Errorf("no group went through in 3 rounds after the guard failed with 26000 (guard still cached: %v)",
		g.e.cache.Get(groupGuard) != nil)
}
