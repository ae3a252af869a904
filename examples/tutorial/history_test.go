package main

import (
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// The history times the statements of each interval: one run between the
// first two samples is the second's; the third, with none, has no
// percentiles (which the chart leaves as a gap), nor has the first, which
// has no interval.
func TestHistoryTimesEachInterval(t *testing.T) {
	ctx := t.Context()
	db, err := pool.Open(ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := &history{p: db}
	h.take()
	if _, err := db.Execute(ctx, "SELECT 1").Await(ctx); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.take()
	got := h.samples()
	if len(got) != 3 || got[0].interval || !got[1].interval || !got[2].interval {
		t.Fatalf("samples %+v: want three, the first without an interval", got)
	}
	if s := got[1].statement; s.n != 1 || s.p50 <= 0 || s.p99 < s.p50 {
		t.Errorf("interval of one statement: %+v, want n 1 and 0 < p50 <= p99", s)
	}
	for _, i := range []int{0, 2} {
		if got[i].statement != (percentiles{}) {
			t.Errorf("sample %d: %+v, want no percentiles", i, got[i].statement)
		}
	}
}
