package replica

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Role is what a standby's server was found to be at its last check; in
// the pool's API as pool.Role, where its values are described.
type Role int

// The roles; see pool.Role.
const (
	RoleUnknown Role = iota
	RoleStandby
	RolePrimary
	RoleDown
)

var roleNames = [...]string{"unknown", "standby", "primary", "down"}

// String returns the role in words.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "invalid"
	}
	return roleNames[r]
}

// Standby is what the background checks and the reads know of one server
// given as a standby. Its counters are used without a lock; the rest
// through its methods.
type Standby struct {
	InFlight atomic.Int64  // reads given to it and not resolved yet
	Replayed atomic.Uint64 // the highest LSN it is known to have replayed
	Usable   atomic.Bool   // it may take reads: a standby, within the lag bound
	Reads    atomic.Uint64 // reads it resolved
	Retried  atomic.Uint64 // reads that failed on it and went elsewhere

	mu       sync.Mutex // guards the rest
	role     Role
	lag      time.Duration
	checked  time.Time
	failedAt time.Time
	lastErr  string
	diverged bool // seen ahead of the primary: on another timeline
}

// Observe records that s has replayed at least lsn.
func (s *Standby) Observe(lsn LSN) {
	for {
		old := s.Replayed.Load()
		if uint64(lsn) <= old || s.Replayed.CompareAndSwap(old, uint64(lsn)) {
			return
		}
	}
}

// Fail takes s out of the reads after a read or a check could not reach
// it; the next successful check brings it back.
func (s *Standby) Fail(err error) {
	s.mu.Lock()
	s.failLocked(err)
	s.mu.Unlock()
}

// FailCheck is Fail for a check: one that found s ahead of the primary
// (ErrAhead) marks it diverged; one that could not reach it clears that,
// as it may have been restarted or re-seeded since.
func (s *Standby) FailCheck(err error) {
	s.mu.Lock()
	s.failLocked(err)
	s.diverged = errors.Is(err, ErrAhead)
	s.mu.Unlock()
}

func (s *Standby) failLocked(err error) {
	s.Usable.Store(false)
	s.role = RoleDown
	s.failedAt = time.Now()
	s.lastErr = err.Error()
}

// Classify sets s's role, lag and usability from its answer a to a check
// started at start, with lag the lag that answer gives it. A read that
// failed on s since then keeps it out of the reads until the next check.
func (s *Standby) Classify(a Answer, lag time.Duration, start, now time.Time, maxLag time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked, s.lastErr = now, ""
	if !a.InRecovery {
		s.role, s.lag, s.diverged = RolePrimary, 0, false
		s.Usable.Store(false)
		return
	}
	if s.diverged {
		// Once ahead of the primary, it stays out even after the
		// primary's position has passed its own: they are not on the
		// same timeline.
		s.role, s.lastErr = RoleDown, ErrAhead.Error()
		s.Usable.Store(false)
		return
	}
	if s.role != RoleStandby {
		// Replay positions from before it was down or a primary (a
		// standby re-seeded since) must not vouch for this one.
		s.Replayed.Store(uint64(a.Replayed))
	}
	s.Observe(a.Replayed)
	s.role, s.lag = RoleStandby, lag
	if s.failedAt.After(start) {
		return
	}
	s.Usable.Store(maxLag < 0 || lag <= maxLag)
}

// Role is what s's last check, or a read, found it to be.
func (s *Standby) Role() Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.role
}

// Status is what the checks last found of a standby.
type Status struct {
	Role      Role
	Lag       time.Duration // at its last good check
	Checked   time.Time     // its last good check
	LastError string        // why it is down; "" when up
}

// Status returns what the checks last found of s, as one consistent copy.
func (s *Standby) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Role: s.role, Lag: s.lag, Checked: s.checked, LastError: s.lastErr}
}
