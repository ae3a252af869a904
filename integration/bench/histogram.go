package bench

import (
	"math/bits"
	"time"
)

// A histogram records latencies without allocating: recording must not
// show up in the allocations it helps measure. Buckets are log-linear, 32
// per power of two, so a percentile is within about 3% of the truth.
const (
	subBucketBits = 5
	subBuckets    = 1 << subBucketBits
	bucketCount   = subBuckets * (64 - subBucketBits + 1)
)

type histogram struct {
	counts [bucketCount]uint64
	total  uint64
}

func bucketOf(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	shift := bits.Len64(ns) - 1 - subBucketBits
	return subBuckets*(shift+1) + int(ns>>shift) - subBuckets
}

// bucketMid is the middle of the values bucketOf maps to i.
func bucketMid(i int) float64 {
	if i < subBuckets {
		return float64(i)
	}
	shift := i/subBuckets - 1
	low := uint64(subBuckets+i%subBuckets) << shift
	return float64(low) + float64(uint64(1)<<shift-1)/2
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
}

// quantile returns the latency below which a fraction q of the recorded
// ones lie; 0 when nothing was recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total-1)) + 1
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			return time.Duration(bucketMid(i))
		}
	}
	return time.Duration(bucketMid(bucketCount - 1))
}
