package replica

import (
	"testing"
	"time"
)

// server is a Member, as the pool's standbys are.
type server struct {
	Standby
	name string
}

func (s *server) State() *Standby { return &s.Standby }

func servers(names ...string) []*server {
	out := make([]*server, len(names))
	for i, n := range names {
		out[i] = &server{name: n}
		out[i].Usable.Store(true)
	}
	return out
}

func TestLeastBusy(t *testing.T) {
	ms := servers("a", "b", "c")
	pick := func(start uint32, after LSN) string {
		m, ok := LeastBusy(ms, start, after, 8192)
		if !ok {
			return ""
		}
		return m.name
	}
	// Idle: ties go round.
	var got string
	for start := range uint32(4) {
		got += pick(start, 0)
	}
	if got != "abca" {
		t.Errorf("idle standbys from starts 0..3: %q, want abca", got)
	}
	ms[0].InFlight.Store(2)
	ms[1].InFlight.Store(1)
	ms[2].InFlight.Store(1)
	if got := pick(0, 0); got != "b" {
		t.Errorf("least busy from a: %q, want b", got)
	}
	ms[1].Usable.Store(false)
	if got := pick(0, 0); got != "c" {
		t.Errorf("b unusable: %q, want c", got)
	}
	// a, the busier, has replayed up to a page boundary, c less far.
	ms[0].Observe(0x2000)
	ms[2].Observe(0x1000)
	if got := pick(0, 0x1000); got != "c" {
		t.Errorf("after 0/1000: %q, want c", got)
	}
	if got := pick(0, 0x1008); got != "a" {
		t.Errorf("after 0/1008: %q, want a (busier, but the only one that replayed it)", got)
	}
	if got := pick(0, 0x2000+24); got != "a" {
		t.Errorf("after the page header at 0/2000: %q, want a", got)
	}
	if got := pick(0, 0x2000+48); got != "" {
		t.Errorf("after 0/2030: %q, want none", got)
	}
	if _, ok := LeastBusy([]*server{}, 7, 0, 0); ok {
		t.Error("no standbys: one chosen")
	}
}

func TestFurthestAndPromoted(t *testing.T) {
	ms := servers("a", "b", "c")
	ms[0].Observe(300)
	ms[1].Observe(200)
	ms[2].Observe(500)
	ms[2].Usable.Store(false)
	if m, ok := Furthest(ms); !ok || m.name != "a" {
		t.Errorf("furthest usable: %v", m)
	}
	if _, ok := Promoted(ms); ok {
		t.Error("promoted before any check")
	}
	now := time.Now()
	ms[1].Classify(Answer{}, 0, now, now, -1) // b answers that it is not in recovery
	if m, ok := Promoted(ms); !ok || m.name != "b" {
		t.Errorf("promoted: %v", m)
	}
	for _, m := range ms {
		m.Usable.Store(false)
	}
	if _, ok := Furthest(ms); ok {
		t.Error("furthest among unusable standbys")
	}
}
