package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestGate(interval time.Duration) (*gate, *fakeClock) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	g := newGate(interval, nil)
	g.now = clk.now
	return g, clk
}

var errDial = errors.New("dial refused")

// failConfirmed reports a failed dial and its failed confirmation.
func failConfirmed(t *testing.T, tk *dialTicket) {
	t.Helper()
	if st := tk.finish(errDial, true); st != stepRedial {
		t.Fatalf("first failure: step %v, want a confirming redial", st)
	}
	if st := tk.finish(errDial, true); st != stepDone {
		t.Fatalf("confirmed failure: step %v, want done", st)
	}
}

func TestGateFailsFastWithinInterval(t *testing.T) {
	g, clk := newTestGate(time.Second)
	ctx := context.Background()
	tk, err := g.enter(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	failConfirmed(t, tk)

	clk.add(999 * time.Millisecond)
	_, err = g.enter(ctx, false)
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrDatabaseNotAvailable) || !errors.Is(err, errDial) {
		t.Fatalf("within interval: %v", err)
	}
	if !ue.RetryAt.Equal(time.Unix(1001, 0)) {
		t.Errorf("RetryAt = %v", ue.RetryAt)
	}
	clk.add(time.Millisecond)
	tk, err = g.enter(ctx, false)
	if err != nil {
		t.Fatalf("after interval: %v", err)
	}
	tk.finish(nil, true)
	st := g.snapshot()
	if st.Down || st.Dials != 3 || st.Redials != 1 || st.DialFailures != 2 || st.FastFailures != 1 || st.Dialing != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGateConfirmationThatSucceedsFailsNobody(t *testing.T) {
	g, _ := newTestGate(time.Second)
	ctx := context.Background()
	tk, _ := g.enter(ctx, false)
	if st := tk.finish(errDial, true); st != stepRedial {
		t.Fatalf("step %v, want a confirming redial", st)
	}
	// Callers arriving during the confirmation wait for it, then dial.
	admitted := make(chan error, 1)
	go func() {
		tk, err := g.enter(ctx, false)
		if tk != nil {
			tk.finish(nil, true)
		}
		admitted <- err
	}()
	for g.snapshot().Coalesced < 1 {
		time.Sleep(time.Millisecond) // wait until the caller is parked on the confirmation
	}
	if st := tk.finish(nil, true); st != stepDone {
		t.Fatalf("step %v after a successful redial, want done", st)
	}
	if err := <-admitted; err != nil {
		t.Fatalf("caller arriving during the confirmation: %v", err)
	}
	if st := g.snapshot(); st.Down || st.FastFailures != 0 || st.Dials != 3 || st.Redials != 1 || st.DialFailures != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGateSecondFailureWaitsForTheConfirmation(t *testing.T) {
	g, _ := newTestGate(time.Second)
	ctx := context.Background()
	first, _ := g.enter(ctx, false)
	second, _ := g.enter(ctx, false)
	if st := first.finish(errDial, true); st != stepRedial {
		t.Fatalf("first failure: step %v, want redial", st)
	}
	if st := second.finish(errDial, true); st != stepRejoin {
		t.Fatalf("failure during a confirmation: step %v, want rejoin", st)
	}
	rejoined := make(chan *dialTicket, 1)
	go func() {
		tk, err := g.enter(ctx, true)
		if err != nil {
			t.Error(err)
		}
		rejoined <- tk
	}()
	for g.snapshot().Coalesced < 1 {
		time.Sleep(time.Millisecond) // wait until the rejoining dialer is parked
	}
	first.finish(nil, true)
	tk := <-rejoined
	if tk == nil {
		t.FailNow()
	}
	// Its second failure is final: no dialer dials more than twice.
	if st := tk.finish(errDial, true); st != stepDone {
		t.Fatalf("rejoined dialer's failure: step %v, want done", st)
	}
}

func TestGateTakesATimedOutDialAsFinal(t *testing.T) {
	g, _ := newTestGate(time.Second)
	tk, _ := g.enter(context.Background(), false)
	timedOut := fmt.Errorf("dial: %w", context.DeadlineExceeded)
	if st := tk.finish(timedOut, true); st != stepDone {
		t.Fatalf("timed-out dial: step %v, want done", st)
	}
	if st := g.snapshot(); !st.Down || st.Redials != 0 || st.Dials != 1 {
		t.Fatalf("stats = %+v, want down after one dial", st)
	}
}

func TestGateIgnoresDialsAbandonedByCaller(t *testing.T) {
	g, _ := newTestGate(time.Second)
	tk, _ := g.enter(context.Background(), false)
	if st := tk.finish(context.Canceled, false); st != stepDone {
		t.Fatalf("abandoned dial: step %v, want done", st)
	}
	if st := g.snapshot(); st.Down || st.DialFailures != 0 || st.Redials != 0 {
		t.Fatalf("abandoned dial tripped the gate: %+v", st)
	}
}

func TestGateWaitersShareProbeOutcome(t *testing.T) {
	for _, interval := range []time.Duration{0, time.Second} {
		g, clk := newTestGate(interval)
		ctx := context.Background()
		tk, _ := g.enter(ctx, false)
		failConfirmed(t, tk)
		clk.add(interval)

		probe, err := g.enter(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		const waiters = 5
		errs := make(chan error, waiters)
		for range waiters {
			go func() {
				tk, err := g.enter(ctx, false)
				if tk != nil {
					tk.finish(nil, true)
				}
				errs <- err
			}()
		}
		for g.snapshot().Coalesced < waiters {
			time.Sleep(time.Millisecond) // wait until every waiter is parked on the probe
		}
		if st := probe.finish(errDial, true); st != stepDone {
			t.Fatalf("interval %v: failed probe: step %v, want done (the database is known to be down)", interval, st)
		}
		for range waiters {
			if err := <-errs; !errors.Is(err, ErrDatabaseNotAvailable) || !errors.Is(err, errDial) {
				t.Errorf("interval %v: waiter got %v", interval, err)
			}
		}
		if st := g.snapshot(); st.Dials != 3 || st.Redials != 1 {
			t.Errorf("interval %v: %d dials (%d redials), want 3 (first failure, its confirmation, one probe)",
				interval, st.Dials, st.Redials)
		}
	}
}

func TestGateWaiterHonoursContext(t *testing.T) {
	g, clk := newTestGate(0)
	tk, _ := g.enter(context.Background(), false)
	failConfirmed(t, tk)
	clk.add(time.Millisecond)
	probe, _ := g.enter(context.Background(), false)
	defer probe.finish(nil, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.enter(ctx, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter with canceled context: %v", err)
	}
}
