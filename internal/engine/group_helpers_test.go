package engine

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// The tests named TestEngineGroup... drive read groups (group.go) on the
// fake server. Each fixture logs what reached the server as units, one
// per Sync: "guard, a, b" is a group's guard and members a and b, ended
// by one Sync; "a" is a statement with a Sync of its own; "prepare a" a
// Prepare; "(sync)" a Ping; "H" would be a protocol Flush, which the
// engine does not send. A unit's names are its statements' SQL without
// "SELECT ".

// read is a lone read through the pool that may join a read group.
func read(sql string, args ...any) *Batch {
	b := one(sql, args...)
	b.Group = true
	return b
}

// groups is a fixture with read groups on, which logs the units the
// server received.
type groups struct {
	*fixture
	mu    sync.Mutex
	names map[string]string // prepared statement name → its SQL
	units []string          // the units ended by a Sync, in order
	unit  []string          // the unit not ended yet
	hook  func(*pgfake.Conn, pgproto3.FrontendMessage)
}

// newGroups is a fixture whose engine groups reads; the guard answers
// as the server does under read committed.
func newGroups(t *testing.T) *groups {
	t.Helper()
	g := &groups{names: make(map[string]string)}
	g.fixture = newFixture(t, func(s *setup) { s.cfg.Writers = new(Writers) })
	g.sts.set(groupGuard, texts("on"))
	g.onMessage(g.observe)
	return g
}

// alias names sql in a unit.
func alias(sql string) string {
	if sql == groupGuard {
		return "guard"
	}
	return strings.TrimPrefix(sql, "SELECT ")
}

func (g *groups) observe(c *pgfake.Conn, m pgproto3.FrontendMessage) {
	g.mu.Lock()
	switch m := m.(type) {
	case *pgproto3.Parse:
		if m.Name == "" {
			g.unit = append(g.unit, "parse "+alias(m.Query))
		} else {
			g.names[m.Name] = m.Query
			g.unit = append(g.unit, "prepare "+alias(m.Query))
		}
	case *pgproto3.Bind:
		if m.PreparedStatement != "" {
			g.unit = append(g.unit, alias(g.names[m.PreparedStatement]))
		}
	case *pgproto3.Close:
		g.unit = append(g.unit, "close")
	case *pgproto3.Flush:
		g.unit = append(g.unit, "H")
	case *pgproto3.Query:
		g.unit = append(g.unit, "query "+m.String)
		g.endUnit()
	case *pgproto3.Sync:
		g.endUnit()
	}
	hook := g.hook
	g.mu.Unlock()
	if hook != nil {
		hook(c, m)
	}
}

// endUnit logs the unit a Sync (or a simple Query) ended; g.mu is held.
func (g *groups) endUnit() {
	unit := strings.Join(g.unit, ", ")
	if unit == "" {
		unit = "(sync)"
	}
	g.units = append(g.units, unit)
	g.unit = nil
}

// setHook sets what sees each message after the log, on the server's
// goroutine.
func (g *groups) setHook(hook func(*pgfake.Conn, pgproto3.FrontendMessage)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hook = hook
}

// mark is where the log is now, for wantUnits.
func (g *groups) mark() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.units)
}

// wantUnits checks the units the server received since mark; the last
// answers read must be a Sync's, so that the log is complete.
func (g *groups) wantUnits(t *testing.T, mark int, want ...string) {
	t.Helper()
	g.mu.Lock()
	got := slices.Clone(g.units[mark:])
	partial := strings.Join(g.unit, ", ")
	g.mu.Unlock()
	if !slices.Equal(got, want) || partial != "" {
		t.Errorf("the server received units\n\t%q, then %q with no Sync yet;\nwant\n\t%q", got, partial, want)
	}
}

// stmt scripts "SELECT name", a statement of one row, name, and returns
// its SQL.
func (g *groups) stmt(name string) string {
	sql := "SELECT " + name
	g.sts.set(sql, texts(name))
	return sql
}

// onCue scripts "SELECT name" as failsOnCue(code), with its row "ok".
func (g *groups) onCue(name, code string) (string, func(bool)) {
	sql := "SELECT " + name
	st, fail := failsOnCue(code)
	g.sts.set(sql, st)
	return sql, fail.Store
}

// prime warms sqls and prepares the guard, as the first read written
// behind another does: from now on, groups open.
func (g *groups) prime(t *testing.T, sqls ...string) {
	t.Helper()
	warm(t, g.e, sqls...)
	a := g.stmt("primer")
	warm(t, g.e, a)
	runOK(t, g.e, read(a), read(a))
	if g.e.cache.Get(groupGuard) == nil {
		t.Fatal("the guard is not prepared after a read written behind another")
	}
}

// deliver reads until each of bs is handed back, in that order, and
// checks that nothing is left in flight (see handBack).
func deliver(t *testing.T, e *Engine, bs ...*Batch) {
	t.Helper()
	handBack(t, e, bs...)
	if e.InFlight() {
		t.Fatal("still in flight after every batch was handed back")
	}
}

// handBack reads until each of bs is handed back, in that order. When
// ReadNext hands back nothing (a member read, held until its group's
// Sync), it flushes, as the pool's owner does.
func handBack(t *testing.T, e *Engine, bs ...*Batch) {
	t.Helper()
	for i, want := range bs {
		for tries := 0; ; tries++ {
			if tries == 1000 {
				t.Fatalf("batch %d (%q) not handed back after 1000 reads", i, nameOf(want))
			}
			got, err := e.ReadNext()
			if err != nil {
				t.Fatalf("ReadNext for batch %d (%q): %v", i, nameOf(want), err)
			}
			if got == nil {
				if !e.InFlight() {
					t.Fatalf("nothing in flight, batch %d (%q) not handed back", i, nameOf(want))
				}
				if err := e.Flush(); err != nil {
					t.Fatalf("Flush: %v", err)
				}
				continue
			}
			if got != want {
				t.Fatalf("ReadNext returned %q (%p), want batch %d (%q, %p)", nameOf(got), got, i, nameOf(want), want)
			}
			break
		}
	}
}

// wantValue checks that b ran and stands, with value as its one row;
// grouped: its outcome came from a group.
func wantValue(t *testing.T, b *Batch, value string, grouped bool) {
	t.Helper()
	if b.Err != nil || b.Skipped || len(b.Results) != 1 {
		t.Fatalf("%q: Err %v, Skipped %v, %d results; want one result", nameOf(b), b.Err, b.Skipped, len(b.Results))
	}
	if got := text(t, b.Results[0], 0, 0); got != value {
		t.Errorf("%q: value %q, want %q", nameOf(b), got, value)
	}
	if b.Grouped != grouped {
		t.Errorf("%q: Grouped %v, want %v", nameOf(b), b.Grouped, grouped)
	}
}

// wantSkipped checks that b is to be written again, with no outcome.
func wantSkipped(t *testing.T, b *Batch) {
	t.Helper()
	if !b.Skipped || b.Grouped || b.Err != nil || len(b.Results) != 0 {
		t.Errorf("%q: Skipped %v, Grouped %v, Err %v, %d results; want Skipped with no outcome",
			nameOf(b), b.Skipped, b.Grouped, b.Err, len(b.Results))
	}
}
