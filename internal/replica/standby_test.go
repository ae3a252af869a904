package replica

import (
	"errors"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t0 := time.Now() // every check below starts here, before the read that fails
	standby := Answer{InRecovery: true, Replayed: 500}
	check := func(s *Standby, role Role, usable bool, lastErr string) {
		t.Helper()
		st := s.Status()
		if st.Role != role || s.Usable.Load() != usable || st.LastError != lastErr {
			t.Errorf("role %v, usable %v, error %q; want %v, %v, %q", st.Role, s.Usable.Load(), st.LastError, role, usable, lastErr)
		}
	}

	var s Standby
	s.Observe(1000) // from before it was checked: must not vouch for it
	s.Classify(standby, time.Second, t0, t0, 10*time.Second)
	check(&s, RoleStandby, true, "")
	if LSN(s.Replayed.Load()) != 500 {
		t.Errorf("first check: replayed %v, want 0/1F4", LSN(s.Replayed.Load()))
	}
	s.Classify(Answer{InRecovery: true, Replayed: 400}, time.Second, t0, t0, 10*time.Second)
	if LSN(s.Replayed.Load()) != 500 {
		t.Errorf("an older answer moved the position back to %v", LSN(s.Replayed.Load()))
	}
	s.Classify(standby, 11*time.Second, t0, t0, 10*time.Second)
	check(&s, RoleStandby, false, "")
	s.Classify(standby, time.Hour, t0, t0, -1)
	check(&s, RoleStandby, true, "")
	if s.Status().Lag != time.Hour {
		t.Errorf("lag %v, want 1h", s.Status().Lag)
	}

	// A read that failed on it after the check started keeps it out.
	s.Fail(errors.New("connection refused"))
	s.Classify(standby, 0, t0, t0, 10*time.Second)
	check(&s, RoleStandby, false, "")
	s.Classify(standby, 0, time.Now(), time.Now(), 10*time.Second)
	check(&s, RoleStandby, true, "")

	s.Classify(Answer{}, time.Second, t0, t0, 10*time.Second)
	check(&s, RolePrimary, false, "")
	if s.Status().Lag != 0 || s.Role() != RolePrimary {
		t.Errorf("promoted: lag %v, role %v", s.Status().Lag, s.Role())
	}
}

func TestClassifyDiverged(t *testing.T) {
	now := time.Now()
	var s Standby
	s.FailCheck(ErrAhead)
	s.Classify(Answer{InRecovery: true, Replayed: 500}, 0, now, now, -1)
	if st := s.Status(); st.Role != RoleDown || s.Usable.Load() || st.LastError != ErrAhead.Error() {
		t.Errorf("once ahead of the primary: %+v, usable %v", st, s.Usable.Load())
	}
	// Not reachable since: it may have been re-seeded.
	s.FailCheck(errors.New("connection refused"))
	later := time.Now()
	s.Classify(Answer{InRecovery: true, Replayed: 500}, 0, later, later, -1)
	if st := s.Status(); st.Role != RoleStandby || !s.Usable.Load() {
		t.Errorf("after a failed check: %+v, usable %v", st, s.Usable.Load())
	}
}

func TestRoleString(t *testing.T) {
	for r, want := range map[Role]string{RoleUnknown: "unknown", RoleStandby: "standby", RolePrimary: "primary", RoleDown: "down", -1: "invalid", 4: "invalid"} {
		if r.String() != want {
			t.Errorf("Role(%d) = %q, want %q", int(r), r.String(), want)
		}
	}
}
