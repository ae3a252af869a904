package pool

import "time"

// walSample is how far the primary had flushed its WAL at a moment.
type walSample struct {
	at  time.Time
	lsn LSN
}

// walHistory keeps the primary's recent WAL positions, one per check, so
// that a standby's lag can be told in time: it is how long ago the primary
// had flushed something the standby has not replayed yet. Unlike the time
// since the standby replayed its last transaction, it does not grow while
// the primary is idle, and it grows while the standby's replication is
// broken and the primary goes on.
type walHistory struct {
	samples  []walSample // oldest first
	keep     int
	timeline int64 // the primary's; a new one starts the history over
}

func newWALHistory(ro ReplicaOptions) *walHistory {
	keep := 64
	if ro.MaxReplicaLag > 0 {
		keep = int(ro.MaxReplicaLag/ro.CheckPeriod) + 2
	}
	return &walHistory{keep: min(max(keep, 8), 4096)}
}

// add records a sample of the primary on timeline. Positions of another
// timeline (a promoted standby's) do not compare with the old one's.
func (h *walHistory) add(s walSample, timeline int64) {
	if timeline != h.timeline || len(h.samples) > 0 && s.lsn < h.samples[len(h.samples)-1].lsn {
		h.samples, h.timeline = h.samples[:0], timeline
	}
	if len(h.samples) == h.keep {
		h.samples = append(h.samples[:0], h.samples[1:]...)
	}
	h.samples = append(h.samples, s)
}

// lag is how far behind a standby that has replayed up to replayed is at
// now: zero when it has replayed what the primary had at the last sample;
// otherwise the age of the first sample it has not replayed all of. Behind
// even the oldest sample (the history is young, or the standby very far
// behind), that age is only a lower bound, and known is false.
func (h *walHistory) lag(replayed LSN, now time.Time) (lag time.Duration, known bool) {
	for i, s := range h.samples {
		if s.lsn > replayed {
			return max(now.Sub(s.at), 0), i > 0
		}
	}
	return 0, true
}

// standbyLag is a standby's lag from the primary's history and from what
// the standby says of itself: replayAge, the time since it replayed its
// last transaction (nil before any), bounds the lag when the history
// cannot; receiveLag, that same time counted only while WAL it received
// waits to be replayed, stands in for the history when the primary could
// not be asked this time.
func standbyLag(h *walHistory, replayed LSN, now time.Time, primaryKnown bool, replayAge *float64, receiveLag float64) time.Duration {
	lag, known := h.lag(replayed, now)
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
