package replica

import "time"

// Sample is how far the primary had flushed its WAL at a moment.
type Sample struct {
	At  time.Time
	LSN LSN
}

// History keeps the primary's recent WAL positions, one per check, so
// that a standby's lag can be told in time: it is how long ago the primary
// had flushed something the standby has not replayed yet. Unlike the time
// since the standby replayed its last transaction, it does not grow while
// the primary is idle, and it grows while the standby's replication is
// broken and the primary goes on. One goroutine at a time uses it.
type History struct {
	samples  []Sample // oldest first
	keep     int
	timeline int64 // the primary's; a new one starts the history over
}

// NewHistory makes a history that keeps a maxLag's worth of samples
// taken every checkPeriod (a negative maxLag: no bound), within limits.
func NewHistory(maxLag, checkPeriod time.Duration) *History {
	keep := 64
	if maxLag > 0 {
		keep = int(maxLag/checkPeriod) + 2
	}
	return &History{keep: min(max(keep, 8), 4096)}
}

// Add records a sample of the primary on timeline. Positions of another
// timeline (a promoted standby's) do not compare with the old one's.
func (h *History) Add(s Sample, timeline int64) {
	if timeline != h.timeline || len(h.samples) > 0 && s.LSN < h.samples[len(h.samples)-1].LSN {
		h.samples, h.timeline = h.samples[:0], timeline
	}
	if len(h.samples) == h.keep {
		h.samples = append(h.samples[:0], h.samples[1:]...)
	}
	h.samples = append(h.samples, s)
}

// Lag is how far behind a standby that has replayed up to replayed is at
// now: zero when it has replayed what the primary had at the last sample;
// otherwise the age of the first sample it has not replayed all of. Behind
// even the oldest sample (the history is young, or the standby very far
// behind), that age is only a lower bound, and known is false.
func (h *History) Lag(replayed LSN, now time.Time) (lag time.Duration, known bool) {
	for i, s := range h.samples {
		if s.LSN > replayed {
			return max(now.Sub(s.At), 0), i > 0
		}
	}
	return 0, true
}

// StandbyLag is a standby's lag from the primary's history and from what
// the standby says of itself: replayAge, the time since it replayed its
// last transaction (nil before any), bounds the lag when the history
// cannot; receiveLag, that same time counted only while WAL it received
// waits to be replayed, stands in for the history when the primary could
// not be asked this time.
func StandbyLag(h *History, replayed LSN, now time.Time, primaryKnown bool, replayAge *float64, receiveLag float64) time.Duration {
	lag, known := h.Lag(replayed, now)
	if !known {
		if replayAge == nil {
			return forever
		}
		lag = max(lag, seconds(*replayAge))
	}
	if !primaryKnown {
		lag = max(lag, seconds(receiveLag))
	}
	return lag
}

// forever is the lag of a standby whose lag cannot be told.
const forever = time.Duration(1<<63 - 1)

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
