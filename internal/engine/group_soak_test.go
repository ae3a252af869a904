package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineGroupSoak: 400 batches of a seeded random mix (reads that
// group, reads that fail now and then with 22012 or 40001, a writer the
// server refuses inside a group's read-only transaction, statements not
// prepared yet, lone statements, Pings) go through one engine driven as
// the pool's owner drives it, Skipped batches written again ahead of the
// rest. Whatever the groups turn out to be, every batch is handed back
// exactly once with its outcome: its value, or the error its statement
// may fail with alone.
func TestEngineGroupSoak(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { soak(t, seed) })
	}
}

// soak is one run of TestEngineGroupSoak.
func soak(t *testing.T, seed uint64) {
	g := newGroups(t)
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(seed, 1))
	chance := func(p float64) bool { mu.Lock(); defer mu.Unlock(); return rnd.Float64() < p }
	// The server's goroutine's: the guard makes the transaction
	// read-only, its Sync ends it.
	readOnly := false
	g.setHook(func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if _, ok := m.(*pgproto3.Sync); ok {
			readOnly = false
		}
	})
	guard := texts("on")
	guardRun := guard.Run
	guard.Run = func(ctx context.Context, c *pgfake.Conn, a [][]byte) ([][][]byte, string, error) {
		readOnly = true
		return guardRun(ctx, c, a)
	}
	g.sts.set(groupGuard, guard)
	const n = 8
	for i := range n {
		sql := "SELECT r" + strconv.Itoa(i)
		g.sts.set(sql, pgfake.Statement{Params: []uint32{25}, Fields: texts("").Fields,
			Run: func(_ context.Context, _ *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
				return [][][]byte{{args[0]}}, "SELECT 1", nil
			}})
	}
	flaky := func(code string, p float64) pgfake.Statement {
		return pgfake.Statement{Params: []uint32{25}, Fields: texts("").Fields,
			Run: func(_ context.Context, _ *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
				if chance(p) {
					return nil, "", pgfake.Fail(code, "flaky")
				}
				return [][][]byte{{args[0]}}, "SELECT 1", nil
			}}
	}
	g.sts.set("SELECT div", flaky("22012", 0.3))
	g.sts.set("SELECT ser", flaky("40001", 0.3))
	g.sts.set("SELECT writer", pgfake.Statement{Params: []uint32{25}, Fields: texts("").Fields,
		Run: func(_ context.Context, _ *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
			if readOnly {
				return nil, "", pgfake.Fail("25006", "read-only")
			}
			return [][][]byte{{args[0]}}, "SELECT 1", nil
		}})
	sqls := []string{"SELECT div", "SELECT ser", "SELECT writer"}
	for i := range n {
		sqls = append(sqls, "SELECT r"+strconv.Itoa(i))
	}
	var bs []*Batch
	var want []string
	for i := range 400 {
		mu.Lock()
		k := rnd.IntN(100)
		sql := sqls[rnd.IntN(len(sqls))]
		mu.Unlock()
		v := strconv.Itoa(i)
		var b *Batch
		switch {
		case k < 5:
			b = &Batch{Ctx: context.Background(), Ping: true}
			v = ""
		case k < 10:
			b = one(sql, v)
		case k < 13:
			fresh := fmt.Sprintf("SELECT fresh%d", i)
			g.sts.set(fresh, texts(v))
			b = read(fresh)
		default:
			b = read(sql, v)
		}
		bs = append(bs, b)
		want = append(want, v)
	}
	// As the pool's owner does (pool/owner.go's serve), with no
	// transaction to hold the connection alone.
	pending := slices.Clone(bs)
	var flight []*Batch
	done := make(map[*Batch]int)
	requeued := 0
	for rounds := 0; len(done) < len(bs); rounds++ {
		if rounds > 1_000_000 {
			t.Fatalf("no progress: %d of %d done", len(done), len(bs))
		}
		if !g.e.ResultsBuffered() {
			requeued = 0
			for len(pending) > 0 {
				b := pending[0]
				ready, err := g.e.PrepareFor(b)
				if err != nil {
					t.Fatalf("PrepareFor: %v", err)
				}
				if !ready {
					break
				}
				if err := g.e.Write(b); err != nil {
					t.Fatalf("Write: %v", err)
				}
				pending = pending[1:]
				flight = append(flight, b)
			}
			if err := g.e.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if !g.e.InFlight() {
			continue
		}
		b, err := g.e.ReadNext()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			continue
		}
		i := slices.Index(flight, b)
		if i < 0 {
			t.Fatalf("%q handed back, not in flight", nameOf(b))
		}
		flight = slices.Delete(flight, i, i+1)
		if b.Skipped {
			if len(b.Results) != 0 || b.Err != nil {
				t.Fatalf("%q: Skipped with an outcome", nameOf(b))
			}
			pending = slices.Insert(pending, requeued, b)
			requeued++
			continue
		}
		done[b]++
	}
	if g.e.InFlight() || len(flight) > 0 {
		t.Fatalf("in flight at the end: %v, %d", g.e.InFlight(), len(flight))
	}
	for i, b := range bs {
		if done[b] != 1 {
			t.Fatalf("batch %d handed back %d times", i, done[b])
		}
		if b.Ping {
			continue
		}
		if b.Err != nil {
			code := sqlState(b.Err)
			if (nameOf(b) == "SELECT div" && code == "22012") || (nameOf(b) == "SELECT ser" && code == "40001") {
				continue
			}
			t.Fatalf("batch %d (%q): %v", i, nameOf(b), b.Err)
		}
		if len(b.Results) != 1 || text(t, b.Results[0], 0, 0) != want[i] {
			t.Fatalf("batch %d (%q): %d results, want value %q", i, nameOf(b), len(b.Results), want[i])
		}
	}
}
