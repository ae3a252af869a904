package pool

import (
	"slices"
	"sync/atomic"
	"time"
)

// histogramBounds are the upper bounds of a Histogram's buckets: fine
// below a millisecond, where pipelined statements finish, and up to ten
// seconds, past which only the count above matters.
var histogramBounds = [...]time.Duration{
	5 * time.Microsecond, 10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// HistogramBuckets is how many buckets a Histogram has: one per bound of
// HistogramBounds and one for what lies above the last.
const HistogramBuckets = len(histogramBounds) + 1

// HistogramBounds are the upper bounds of a Histogram's buckets, the
// same for every Histogram: 5µs to 10s in steps of about 2 to 2.5.
func HistogramBounds() []time.Duration { return slices.Clone(histogramBounds[:]) }

// Histogram is a distribution of durations over fixed buckets, cumulative
// since the pool was made: subtract two snapshots for a window.
type Histogram struct {
	Count uint64
	Sum   time.Duration
	// Buckets[i] counts the durations over HistogramBounds()[i-1] and
	// at most HistogramBounds()[i]; the last bucket counts those over 10s.
	// The counts are per bucket, not cumulative.
	Buckets [HistogramBuckets]uint64
}

// Quantile estimates the duration below which the fraction q (0 to 1) of
// the durations lie, interpolating linearly inside the bucket it falls
// in; 0 when the histogram is empty. Above the last bound it reports the
// last bound.
func (h Histogram) Quantile(q float64) time.Duration {
	if h.Count == 0 {
		return 0
	}
	rank := min(max(q, 0), 1) * float64(h.Count)
	var seen float64
	for i, n := range h.Buckets {
		if n == 0 || seen+float64(n) < rank {
			seen += float64(n)
			continue
		}
		if i == len(histogramBounds) {
			break
		}
		var lower time.Duration
		if i > 0 {
			lower = histogramBounds[i-1]
		}
		frac := (rank - seen) / float64(n)
		return lower + time.Duration(frac*float64(histogramBounds[i]-lower))
	}
	return histogramBounds[len(histogramBounds)-1]
}

// Sub is h minus an earlier snapshot of the same histogram: what was
// observed in between.
func (h Histogram) Sub(earlier Histogram) Histogram {
	d := Histogram{Count: h.Count - earlier.Count, Sum: h.Sum - earlier.Sum}
	for i := range h.Buckets {
		d.Buckets[i] = h.Buckets[i] - earlier.Buckets[i]
	}
	return d
}

// histogram records durations for a Histogram: atomics only, no lock and
// no allocation, so that any goroutine may observe.
type histogram struct {
	buckets [HistogramBuckets]atomic.Uint64
	sum     atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	i := 0
	for i < len(histogramBounds) && d > histogramBounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sum.Add(int64(d))
}

// snapshot reads h; concurrent observations may be half in it (a bucket
// counted, its sum not yet), which a monitoring reader does not notice.
func (h *histogram) snapshot() Histogram {
	s := Histogram{Sum: time.Duration(h.sum.Load())}
	for i := range h.buckets {
		s.Buckets[i] = h.buckets[i].Load()
		s.Count += s.Buckets[i]
	}
	return s
}
