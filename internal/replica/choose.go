package replica

// Member is one of the standbys a read may go to.
type Member interface {
	// State is what the checks and the reads know of it.
	State() *Standby
}

// LeastBusy is the usable standby of ms with the fewest reads in flight
// among those known to have replayed after (see Covers: blockSize is the
// primary's WAL page size); ties go round, from ms[start%len(ms)] on, so
// that an idle pool spreads its reads too. ok is false when none is.
func LeastBusy[M Member](ms []M, start uint32, after LSN, blockSize int64) (best M, ok bool) {
	n := uint32(len(ms))
	var load int64
	for i := range n {
		m := ms[(start+i)%n]
		s := m.State()
		if !s.Usable.Load() || !Covers(LSN(s.Replayed.Load()), after, blockSize) {
			continue
		}
		if l := s.InFlight.Load(); !ok || l < load {
			best, load, ok = m, l, true
		}
	}
	return best, ok
}

// Promoted is a standby of ms the last check found promoted (not in
// recovery); ok is false when none is.
func Promoted[M Member](ms []M) (m M, ok bool) {
	for _, m := range ms {
		if m.State().Role() == RolePrimary {
			return m, true
		}
	}
	return m, false
}

// Furthest is the usable standby of ms that is known to have replayed
// most; ok is false when none is usable.
func Furthest[M Member](ms []M) (best M, ok bool) {
	for _, m := range ms {
		s := m.State()
		if s.Usable.Load() && (!ok || s.Replayed.Load() > best.State().Replayed.Load()) {
			best, ok = m, true
		}
	}
	return best, ok
}
