package bench

import (
	"math"
	"testing"
	"time"
)

func TestBucketsCoverValuesInOrder(t *testing.T) {
	prev := -1
	for _, ns := range []uint64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 1 << 20, 1<<40 + 12345, math.MaxUint64} {
		b := bucketOf(ns)
		if b < prev || b >= bucketCount {
			t.Fatalf("bucketOf(%d) = %d after %d, want increasing and < %d", ns, b, prev, bucketCount)
		}
		prev = b
		if mid := bucketMid(b); math.Abs(mid-float64(ns)) > float64(ns)/subBuckets+1 {
			t.Errorf("bucketMid(bucketOf(%d)) = %v, want within 1/%d", ns, mid, subBuckets)
		}
	}
}

func TestQuantiles(t *testing.T) {
	var h histogram
	if got := h.quantile(0.5); got != 0 {
		t.Fatalf("empty histogram: quantile = %v, want 0", got)
	}
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	var merged histogram
	merged.merge(&h)
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}} {
		got := merged.quantile(tc.q)
		if diff := math.Abs(float64(got - tc.want)); diff > float64(tc.want)*0.04 {
			t.Errorf("quantile(%v) = %v, want %v within 4%%", tc.q, got, tc.want)
		}
	}
	if merged.total != 1000 {
		t.Errorf("merged total = %d, want 1000", merged.total)
	}
}
