package future_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/momoko-go/momoko/future"
)

// resources hands out numbered values whose release is counted, standing
// in for connections of a pool.
type resources struct {
	mu       sync.Mutex
	released []int
}

// future returns a releasable future and its complete function.
func (r *resources) future() (*future.Future[int], func(int, error) bool) {
	return future.NewWithRelease(func(v int) {
		r.mu.Lock()
		r.released = append(r.released, v)
		r.mu.Unlock()
	})
}

// resolved returns a releasable future resolved with v.
func (r *resources) resolved(v int) *future.Future[int] {
	f, complete := r.future()
	complete(v, nil)
	return f
}

// got returns the released values, sorted.
func (r *resources) got() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.released))
}

func (r *resources) want(t *testing.T, want ...int) {
	t.Helper()
	if got := r.got(); !slices.Equal(got, want) {
		t.Fatalf("released %v, want %v", got, want)
	}
}

func TestReleaseOnceAndNeverForFailures(t *testing.T) {
	var r resources
	f := r.resolved(1)
	f.Release()
	f.Release()
	if v, err := f.Await(context.Background()); !errors.Is(err, future.ErrReleased) {
		t.Fatalf("Await after Release: %v, %v; want ErrReleased", v, err)
	}
	if _, err := f.Result(); !errors.Is(err, future.ErrReleased) {
		t.Fatalf("Result after Release: %v, want ErrReleased", err)
	}
	failed, complete := r.future()
	complete(2, errBoom)
	failed.Release()
	r.want(t, 1)

	// Futures without a release function, and nil, ignore Release.
	future.Resolved(3).Release()
	future.Go(context.Background(), work).Release()
	var none *future.Future[int]
	none.Release()
}

func TestReleaseOfPendingFutureWaitsForItsValue(t *testing.T) {
	var r resources
	f, complete := r.future()
	f.Release()
	r.want(t)
	complete(7, nil)
	r.want(t, 7)
}

func TestCompleteReleasesTheValueItDidNotSet(t *testing.T) {
	var r resources
	f, complete := r.future()
	if !complete(0, context.Canceled) {
		t.Fatal("first complete did not set the result")
	}
	if complete(5, nil) {
		t.Fatal("second complete set the result")
	}
	r.want(t, 5)
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await: %v, want context.Canceled", err)
	}
}

// TestReleaseRacingComplete: Release and complete called at once release
// the value exactly once.
func TestReleaseRacingComplete(t *testing.T) {
	var r resources
	const n = 1000
	var wg sync.WaitGroup
	for i := range n {
		f, complete := r.future()
		wg.Go(func() { complete(i, nil) })
		wg.Go(f.Release)
	}
	wg.Wait()
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	r.want(t, want...)
}

func TestAwaitGivingUpDropsTheValue(t *testing.T) {
	var r resources
	f, complete := r.future()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await: %v, want context.Canceled", err)
	}
	r.want(t)
	complete(3, nil)
	r.want(t, 3)
	if _, err := f.Await(context.Background()); !errors.Is(err, future.ErrReleased) {
		t.Fatalf("Await after giving up: %v, want ErrReleased", err)
	}

	// Without a release function, a later Await still gets the result.
	g, completeG := future.New[int]()
	if _, err := g.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await: %v, want context.Canceled", err)
	}
	completeG(4, nil)
	if v, err := g.Await(context.Background()); v != 4 || err != nil {
		t.Fatalf("later Await: %v, %v; want 4", v, err)
	}
}

// TestAwaitGivingUpRacingComplete: an Await whose ctx ends as the value
// arrives either returns the value or has it released, never both, never
// neither.
func TestAwaitGivingUpRacingComplete(t *testing.T) {
	var r resources
	const n = 1000
	returned := 0
	for i := range n {
		f, complete := r.future()
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		go complete(i, nil)
		v, err := f.Await(ctx)
		switch {
		case err == nil:
			if v != i {
				t.Fatalf("Await returned %d, want %d", v, i)
			}
			returned++
		case !errors.Is(err, context.Canceled):
			t.Fatalf("Await: %v", err)
		}
		<-f.Done()
	}
	if got := len(r.got()); got+returned != n {
		t.Fatalf("%d values returned and %d released of %d", returned, got, n)
	}
	t.Logf("%d returned, %d released", returned, n-returned)
}

func TestAllFailingReleasesTheValuesItDrops(t *testing.T) {
	var r resources
	pending, complete := r.future()
	go complete(2, nil)
	vals, err := future.All(context.Background(), r.resolved(1), pending, future.Failed[int](errBoom))
	if !errors.Is(err, errBoom) || vals != nil {
		t.Fatalf("All: %v, %v; want nil, errBoom", vals, err)
	}
	r.want(t, 1, 2)
}

func TestAllContextEndingReleasesTheValuesItDrops(t *testing.T) {
	var r resources
	ctx, cancel := context.WithCancel(context.Background())
	pending, complete := r.future()
	go func() {
		cancel()
		complete(2, nil) // All waits for it: a promise ignores Cancel
	}()
	_, err := future.All(ctx, r.resolved(1), pending)
	if !errors.Is(err, context.Canceled) {
		// The values may both have come before All saw ctx end.
		if err != nil {
			t.Fatalf("All: %v, want context.Canceled or success", err)
		}
		r.want(t)
		return
	}
	r.want(t, 1, 2)
}

func TestAllSucceedingReleasesNothing(t *testing.T) {
	var r resources
	vals, err := future.All(context.Background(), r.resolved(1), r.resolved(2))
	if err != nil || !slices.Equal(vals, []int{1, 2}) {
		t.Fatalf("All: %v, %v", vals, err)
	}
	r.want(t)
}

func TestFirstReleasesTheLosers(t *testing.T) {
	var r resources
	late, complete := r.future()
	winner := r.resolved(1)
	// The loser succeeds after the winner: First waits for it, then
	// releases its value.
	go func() {
		<-winner.Done()
		complete(2, nil)
	}()
	failed, fail := r.future()
	fail(0, errBoom)
	v, err := future.First(context.Background(), winner, late, failed)
	if err != nil || v != 1 {
		t.Fatalf("First: %v, %v; want 1", v, err)
	}
	r.want(t, 2)
}

func TestFirstContextEndingReleasesEverything(t *testing.T) {
	var r resources
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pending, complete := r.future()
	go complete(1, nil)
	if _, err := future.First(ctx, pending); !errors.Is(err, context.Canceled) {
		if err != nil {
			t.Fatalf("First: %v", err)
		}
		r.want(t) // the value won before ctx was seen
		return
	}
	r.want(t, 1)
}

func TestAllSettledReleasesWhatArrivesAfterCtx(t *testing.T) {
	var r resources
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pending, complete := r.future()
	out := future.AllSettled(ctx, r.resolved(1), pending)
	if out[0].Err != nil || out[0].Value != 1 || !errors.Is(out[1].Err, context.Canceled) {
		t.Fatalf("AllSettled: %+v", out)
	}
	r.want(t)
	complete(2, nil)
	r.want(t, 2)
}

func TestThenCancelledReleasesTheValueFnDidNotGet(t *testing.T) {
	var r resources
	src, complete := r.future()
	var called atomic.Bool
	g := future.Then(src, func(_ context.Context, v int) (int, error) {
		called.Store(true)
		return v, nil
	})
	g.Cancel()
	if _, err := g.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Then after Cancel: %v, want context.Canceled", err)
	}
	complete(4, nil)
	if called.Load() {
		t.Fatal("fn ran after Cancel")
	}
	r.want(t, 4)
}

func TestThenPassesTheValueOn(t *testing.T) {
	var r resources
	v, err := future.Then(r.resolved(3), func(_ context.Context, v int) (int, error) {
		return v * 2, nil
	}).Await(context.Background())
	if err != nil || v != 6 {
		t.Fatalf("Then: %v, %v", v, err)
	}
	r.want(t)
}

// TestReleasedValueIsNeverHandedOn: combinators and Then report
// ErrReleased for a future whose value was given back before they got it.
func TestReleasedValueIsNeverHandedOn(t *testing.T) {
	var r resources
	released := func() *future.Future[int] {
		f := r.resolved(1)
		f.Release()
		return f
	}
	ctx := context.Background()
	if _, err := future.All(ctx, released()); !errors.Is(err, future.ErrReleased) {
		t.Errorf("All: %v, want ErrReleased", err)
	}
	if _, err := future.First(ctx, released()); !errors.Is(err, future.ErrReleased) {
		t.Errorf("First: %v, want ErrReleased", err)
	}
	then := future.Then(released(), func(_ context.Context, v int) (int, error) { return v, nil })
	if _, err := then.Await(ctx); !errors.Is(err, future.ErrReleased) {
		t.Errorf("Then: %v, want ErrReleased", err)
	}
	r.want(t, 1, 1, 1)
}
