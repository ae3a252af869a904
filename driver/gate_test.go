package driver

import (
	"context"
	"errors"
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

func TestGateFailsFastWithinInterval(t *testing.T) {
	g, clk := newTestGate(time.Second)
	ctx := context.Background()
	tk, err := g.enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tk.finish(errDial, true)

	clk.add(999 * time.Millisecond)
	_, err = g.enter(ctx)
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrDatabaseNotAvailable) || !errors.Is(err, errDial) {
		t.Fatalf("within interval: %v", err)
	}
	if !ue.RetryAt.Equal(time.Unix(1001, 0)) {
		t.Errorf("RetryAt = %v", ue.RetryAt)
	}
	clk.add(time.Millisecond)
	tk, err = g.enter(ctx)
	if err != nil {
		t.Fatalf("after interval: %v", err)
	}
	tk.finish(nil, true)
	st := g.snapshot()
	if st.Down || st.Dials != 2 || st.DialFailures != 1 || st.FastFailures != 1 || st.Dialing != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGateIgnoresDialsAbandonedByCaller(t *testing.T) {
	g, _ := newTestGate(time.Second)
	tk, _ := g.enter(context.Background())
	tk.finish(context.Canceled, false)
	if st := g.snapshot(); st.Down || st.DialFailures != 0 {
		t.Fatalf("abandoned dial tripped the gate: %+v", st)
	}
}

func TestGateWaitersShareProbeOutcome(t *testing.T) {
	for _, interval := range []time.Duration{0, time.Second} {
		g, clk := newTestGate(interval)
		ctx := context.Background()
		tk, _ := g.enter(ctx)
		tk.finish(errDial, true)
		clk.add(interval)

		probe, err := g.enter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const waiters = 5
		errs := make(chan error, waiters)
		for range waiters {
			go func() {
				tk, err := g.enter(ctx)
				if tk != nil {
					tk.finish(nil, true)
				}
				errs <- err
			}()
		}
		for g.snapshot().Coalesced < waiters {
			time.Sleep(time.Millisecond) // wait until every waiter is parked on the probe
		}
		probe.finish(errDial, true)
		for range waiters {
			if err := <-errs; !errors.Is(err, ErrDatabaseNotAvailable) || !errors.Is(err, errDial) {
				t.Errorf("interval %v: waiter got %v", interval, err)
			}
		}
		if st := g.snapshot(); st.Dials != 2 {
			t.Errorf("interval %v: %d dials, want 2 (first failure and one probe)", interval, st.Dials)
		}
	}
}

func TestGateWaiterHonoursContext(t *testing.T) {
	g, clk := newTestGate(0)
	tk, _ := g.enter(context.Background())
	tk.finish(errDial, true)
	clk.add(time.Millisecond)
	probe, _ := g.enter(context.Background())
	defer probe.finish(nil, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.enter(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter with canceled context: %v", err)
	}
}
