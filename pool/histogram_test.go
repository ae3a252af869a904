package pool

import (
	"testing"
	"time"
)

func TestHistogramBucketsAndQuantiles(t *testing.T) {
	var h histogram
	for _, d := range []time.Duration{0, 5 * time.Microsecond, 6 * time.Microsecond, 800 * time.Microsecond, time.Minute} {
		h.observe(d)
	}
	s := h.snapshot()
	if s.Count != 5 || s.Sum != time.Minute+811*time.Microsecond {
		t.Fatalf("count %d, sum %v", s.Count, s.Sum)
	}
	// 0 and 5µs in the first bucket (≤ 5µs), 6µs in the second, 800µs
	// in the one up to 1ms, a minute above the last bound.
	want := map[int]uint64{0: 2, 1: 1, 7: 1, HistogramBuckets - 1: 1}
	for i, n := range s.Buckets {
		if n != want[i] {
			t.Errorf("bucket %d (≤ %v): %d, want %d", i, bound(i), n, want[i])
		}
	}
	if q := s.Quantile(0.4); q != 5*time.Microsecond {
		t.Errorf("p40 = %v, want the first bucket's bound", q)
	}
	if q := s.Quantile(0.7); q <= 500*time.Microsecond || q > time.Millisecond {
		t.Errorf("p70 = %v, want inside (500µs, 1ms]", q)
	}
	if q := s.Quantile(1); q != 10*time.Second {
		t.Errorf("p100 = %v, want the last bound", q)
	}
	if q := (Histogram{}).Quantile(0.5); q != 0 {
		t.Errorf("empty p50 = %v", q)
	}
	h.observe(time.Millisecond)
	if d := h.snapshot().Sub(s); d.Count != 1 || d.Sum != time.Millisecond || d.Buckets[7] != 1 {
		t.Errorf("Sub = %+v, want the one 1ms observation", d)
	}
}

func bound(i int) any {
	if i < len(histogramBounds) {
		return histogramBounds[i]
	}
	return "∞"
}

func TestHistogramObserveDoesNotAllocate(t *testing.T) {
	var h histogram
	if n := testing.AllocsPerRun(100, func() { h.observe(time.Millisecond) }); n != 0 {
		t.Fatalf("%v allocations per observation", n)
	}
}
