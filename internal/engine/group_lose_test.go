package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// Read groups: a connection that breaks under a group, and a guard the
// server lost.

// TestEngineGroupLoseSettlesEveryMember: after Lose, every member of a
// group that had not ended is Skipped, with no outcome, as a member not
// read yet is (TestEngineGroupBroken): also one read and held before the
// break, one being read when it broke, and those of a group whose Sync
// was being read. Written again on another connection, each gets one
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
		var err error
		for err == nil {
			var b *Batch
			if b, err = g.e.ReadNext(); b != nil && b != rop {
				t.Fatalf("ReadNext handed back %q before the group's Sync", nameOf(b))
			}
		}
		var broken *BrokenError
		if !errors.As(err, &broken) {
			t.Fatalf("ReadNext after the cut: %v; want a *BrokenError", err)
		}
		g.e.Lose(err, err)
		for _, b := range []*Batch{r1, r2} {
			wantSkipped(t, b)
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
