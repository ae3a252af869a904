package stmtcache

import (
	"fmt"
	"testing"
)

func TestCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	c := New("s_")
	var first *Prepared
	for i := range Size {
		p := &Prepared{Name: c.Name(), SQL: fmt.Sprint("SELECT ", i)}
		if i == 0 {
			first = p
		}
		if evict := c.Add(p); evict != nil {
			t.Fatalf("evicted %q with %d cached", evict.SQL, i)
		}
	}
	// Got just now, the first added is used last: the second goes.
	if got := c.Get("SELECT 0"); got != first || first.Name != "s_1" {
		t.Fatalf("Get = %+v, want the first, named s_1", got)
	}
	evict := c.Add(&Prepared{Name: c.Name(), SQL: "SELECT more"})
	if evict == nil || evict.SQL != "SELECT 1" || c.Get("SELECT 1") != nil || c.Len() != Size {
		t.Fatalf("evicted %+v (want SELECT 1, the least recently used), %d cached", evict, c.Len())
	}
	if all := c.All(); all[0].SQL != "SELECT 2" || all[len(all)-1].SQL != "SELECT more" {
		t.Fatalf("All from %q to %q, want least recently used first", all[0].SQL, all[len(all)-1].SQL)
	}
}

func TestCacheForgetsOnlyWhatItHolds(t *testing.T) {
	c := New("s_")
	p := &Prepared{Name: c.Name(), SQL: "SELECT 1"}
	c.Add(p)
	stale := &Prepared{Name: "other", SQL: "SELECT 1"}
	if c.Forget(stale) || c.Get("SELECT 1") != p {
		t.Fatal("forgot a statement by its text, not the one cached")
	}
	if !c.Forget(p) || c.Get("SELECT 1") != nil || c.Len() != 0 || c.Forget(p) {
		t.Fatal("Forget of the cached statement")
	}
	c.Add(p)
	c.Clear()
	if c.Len() != 0 || c.Get("SELECT 1") != nil || len(c.All()) != 0 {
		t.Fatal("Clear left statements")
	}
	if a, b := c.Name(), c.Name(); a == b {
		t.Fatalf("names repeat: %q", a)
	}
}
