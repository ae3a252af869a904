package future_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/momoko-go/momoko/future"
)

// blocked returns a future that runs until cancelled, then fails with its
// context's error.
func blocked() *future.Future[int] {
	return future.Go(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
}

// after returns a future resolving with v, err after d.
func after(d time.Duration, v int, err error) *future.Future[int] {
	return future.Go(context.Background(), func(ctx context.Context) (int, error) {
		select {
		case <-time.After(d):
			return v, err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
}

func assertAllDone(t *testing.T, fs ...*future.Future[int]) {
	t.Helper()
	for i, f := range fs {
		if _, err := f.Result(); errors.Is(err, future.ErrNotDone) {
			t.Errorf("future %d still running after the combinator returned", i)
		}
	}
}

func TestThen(t *testing.T) {
	ctx := context.Background()
	f := future.Then(future.Resolved(20), func(_ context.Context, v int) (string, error) {
		return string(rune('A' + v)), nil
	})
	if v, err := f.Await(ctx); v != "U" || err != nil {
		t.Fatalf("Then = %q, %v; want U, nil", v, err)
	}
	called := false
	g := future.Then(future.Failed[int](errBoom), func(context.Context, int) (int, error) {
		called = true
		return 0, nil
	})
	if _, err := g.Await(ctx); !errors.Is(err, errBoom) || called {
		t.Fatalf("Then after a failure: err=%v called=%v; want %v and fn not called", err, called, errBoom)
	}
	if _, err := future.Then[int, int](nil, func(context.Context, int) (int, error) { return 0, nil }).Await(ctx); !errors.Is(err, future.ErrNilFuture) {
		t.Fatalf("Then(nil): %v, want ErrNilFuture", err)
	}
	if _, err := future.Then[int, int](future.Resolved(1), nil).Await(ctx); !errors.Is(err, future.ErrNilArgument) {
		t.Fatalf("Then(f, nil): %v, want ErrNilArgument", err)
	}
}

func TestThenInheritsCallerContext(t *testing.T) {
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "request-7")
	f := future.Then(future.Go(parent, func(context.Context) (int, error) { return 1, nil }),
		func(ctx context.Context, _ int) (any, error) { return ctx.Value(key{}), nil })
	if v, err := f.Await(context.Background()); v != "request-7" || err != nil {
		t.Fatalf("value seen by Then's fn: %v, %v; want request-7", v, err)
	}
}

func TestThenCancelStopsTheChain(t *testing.T) {
	up := blocked()
	called := false
	down := future.Then(up, func(context.Context, int) (int, error) {
		called = true
		return 1, nil
	})
	down.Cancel()
	if _, err := down.Await(context.Background()); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Then after Cancel: err=%v called=%v; want context.Canceled and fn not called", err, called)
	}
	assertAllDone(t, up)
}

func TestAllReturnsValuesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vals, err := future.All(context.Background(), after(3*time.Second, 1, nil), after(time.Second, 2, nil), future.Resolved(3))
		if err != nil || !slices.Equal(vals, []int{1, 2, 3}) {
			t.Fatalf("All = %v, %v; want [1 2 3]", vals, err)
		}
	})
	if vals, err := future.All[int](context.Background()); err != nil || len(vals) != 0 {
		t.Fatalf("All() = %v, %v; want empty, nil", vals, err)
	}
}

func TestAllFirstErrorCancelsAndWaitsForTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		others := []*future.Future[int]{blocked(), blocked()}
		late := after(time.Second, 0, errors.New("later error"))
		fs := append(others, late, after(time.Millisecond, 0, errBoom))
		_, err := future.All(context.Background(), fs...)
		if err != errBoom {
			t.Fatalf("All: %v, want the first error itself", err)
		}
		assertAllDone(t, fs...)
		for i, f := range others {
			if _, err := f.Result(); !errors.Is(err, context.Canceled) {
				t.Errorf("future %d: %v, want it cancelled by All", i, err)
			}
		}
	})
}

func TestAllContextEndingCancelsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := []*future.Future[int]{blocked(), after(time.Hour, 1, nil)}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := future.All(ctx, fs...); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("All: %v, want DeadlineExceeded", err)
		}
		assertAllDone(t, fs...)
	})
}

func TestAllNilFuture(t *testing.T) {
	f := blocked()
	_, err := future.All(context.Background(), f, nil)
	if !errors.Is(err, future.ErrNilFuture) || err.Error() != "future 1: future: nil future" {
		t.Fatalf("All with a nil future: %v, want ErrNilFuture naming position 1", err)
	}
	assertAllDone(t, f)
}

func TestAllSettled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := after(time.Hour, 3, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out := future.AllSettled(ctx, after(time.Second, 1, nil), future.Failed[int](errBoom), nil, slow)
		want := []future.Outcome[int]{{Value: 1}, {Err: errBoom}, {Err: future.ErrNilFuture}, {Err: context.DeadlineExceeded}}
		if len(out) != len(want) {
			t.Fatalf("AllSettled gave %d outcomes, want %d", len(out), len(want))
		}
		for i := range want {
			if out[i].Value != want[i].Value || !errors.Is(out[i].Err, want[i].Err) {
				t.Errorf("outcome %d = %+v, want %+v", i, out[i], want[i])
			}
		}
		// The wait was bounded, the slow future was left alone.
		if v, err := slow.Await(context.Background()); v != 3 || err != nil {
			t.Fatalf("slow future after AllSettled = %v, %v; want 3, nil", v, err)
		}
	})
}

func TestFirstReturnsFirstSuccessAndCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		loser := after(time.Hour, 1, nil)
		fs := []*future.Future[int]{future.Failed[int](errBoom), loser, after(2*time.Second, 2, nil), after(time.Second, 0, errBoom)}
		v, err := future.First(context.Background(), fs...)
		if v != 2 || err != nil {
			t.Fatalf("First = %v, %v; want 2, nil", v, err)
		}
		assertAllDone(t, fs...)
		if _, err := loser.Result(); !errors.Is(err, context.Canceled) {
			t.Fatalf("loser: %v, want context.Canceled", err)
		}
	})
}

func TestFirstAllFail(t *testing.T) {
	errOther := errors.New("other")
	_, err := future.First(context.Background(), future.Failed[int](errBoom), nil, future.Failed[int](errOther))
	if !errors.Is(err, errBoom) || !errors.Is(err, errOther) || !errors.Is(err, future.ErrNilFuture) {
		t.Fatalf("First when all fail: %v, want every error joined", err)
	}
	if _, err := future.First[int](context.Background()); !errors.Is(err, future.ErrNoFutures) {
		t.Fatalf("First(): %v, want ErrNoFutures", err)
	}
}

func TestFirstContextEnding(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := blocked()
	if _, err := future.First(ctx, f); !errors.Is(err, context.Canceled) {
		t.Fatalf("First: %v, want context.Canceled", err)
	}
	assertAllDone(t, f)
}
