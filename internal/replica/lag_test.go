package replica

import (
	"testing"
	"time"
)

func TestWALHistoryLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &History{keep: 4}
	if lag, known := h.Lag(0, t0); lag != 0 || !known {
		t.Errorf("no samples: lag %v, %v", lag, known)
	}
	for i := range 6 {
		h.Add(Sample{At: t0.Add(time.Duration(i) * time.Second), LSN: LSN(100 * (i + 1))}, 1)
	}
	// Kept: 300@2s, 400@3s, 500@4s, 600@5s.
	now := t0.Add(5 * time.Second)
	for _, c := range []struct {
		replayed LSN
		want     time.Duration
		known    bool
	}{
		{600, 0, true}, {700, 0, true}, // has what the primary had at the last sample
		{599, 0, true},               // behind only the sample taken now
		{500, 0, true},               // behind 600@5s
		{450, time.Second, true},     // behind 500@4s
		{300, 2 * time.Second, true}, // behind 400@3s
		{10, 3 * time.Second, false}, // behind every kept sample: at least the oldest's age
	} {
		if lag, known := h.Lag(c.replayed, now); lag != c.want || known != c.known {
			t.Errorf("replayed %d: lag %v, %v; want %v, %v", c.replayed, lag, known, c.want, c.known)
		}
	}
	// A promoted standby's positions start over, on a timeline of their
	// own, even when they go on from the old primary's.
	h.Add(Sample{At: now, LSN: 50}, 1)
	if len(h.samples) != 1 {
		t.Errorf("after a lower position: %v", h.samples)
	}
	h.Add(Sample{At: now, LSN: 700}, 2)
	if len(h.samples) != 1 || h.timeline != 2 {
		t.Errorf("after a new timeline: %v on %d", h.samples, h.timeline)
	}
}

func TestStandbyLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &History{keep: 8}
	h.Add(Sample{At: t0, LSN: 1000}, 1)
	now := t0.Add(50 * time.Millisecond)
	age := func(s float64) *float64 { return &s }
	for _, c := range []struct {
		name         string
		replayed     LSN
		primaryKnown bool
		replayAge    *float64
		receiveLag   float64
		want         time.Duration
	}{
		{"caught up", 1000, true, age(3600), 0, 0},
		{"behind the only sample: its last replayed transaction bounds the lag", 900, true, age(3), 0, 3 * time.Second},
		{"behind the only sample, never replayed a transaction", 900, true, nil, 0, forever},
		{"primary not asked: WAL waiting to be replayed", 1000, false, age(2), 2, 2 * time.Second},
		{"primary known: the history wins over the receive lag", 1000, true, age(2), 2, 0},
	} {
		if got := StandbyLag(h, c.replayed, now, c.primaryKnown, c.replayAge, c.receiveLag); got != c.want {
			t.Errorf("%s: lag %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWALHistoryKeepsMaxLagWorth(t *testing.T) {
	h := NewHistory(10*time.Second, 100*time.Millisecond)
	if h.keep != 102 {
		t.Errorf("keep %d, want 102", h.keep)
	}
	if h := NewHistory(-1, time.Second); h.keep != 64 {
		t.Errorf("no bound: keep %d, want 64", h.keep)
	}
}

func TestStandbyLagBeyondTheHistory(t *testing.T) {
	h := NewHistory(2*time.Hour, time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 * 3600 { // 3h of samples, more than the history keeps
		h.Add(Sample{At: t0.Add(time.Duration(i) * time.Second), LSN: LSN(1000 + i)}, 1)
	}
	now := t0.Add(3 * time.Hour)
	replayAge := (3 * time.Hour).Seconds() // its last replayed transaction
	if lag := StandbyLag(h, 10, now, true, &replayAge, 0); lag < 3*time.Hour {
		t.Errorf("standby 3h behind: lag %v", lag)
	}
}
