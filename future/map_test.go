package future_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/momoko-go/momoko/future"
)

func TestMapKeepsOrderAndLimit(t *testing.T) {
	for _, tc := range []struct {
		limit, wantMax int
	}{{limit: 3, wantMax: 3}, {limit: 0, wantMax: 10}, {limit: -1, wantMax: 10}, {limit: 50, wantMax: 10}} {
		synctest.Test(t, func(t *testing.T) {
			var running, maxRunning atomic.Int32
			inputs := []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
			f := future.Map(context.Background(), tc.limit, inputs, func(ctx context.Context, in int) (int, error) {
				n := running.Add(1)
				defer running.Add(-1)
				for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
				}
				time.Sleep(time.Duration(in) * time.Second) // finish out of order
				return in * in, nil
			})
			got, err := f.Await(context.Background())
			if err != nil || !slices.Equal(got, []int{100, 81, 64, 49, 36, 25, 16, 9, 4, 1}) {
				t.Fatalf("limit %d: Map = %v, %v", tc.limit, got, err)
			}
			if maxRunning.Load() != int32(tc.wantMax) {
				t.Fatalf("limit %d: %d calls ran at once, want %d", tc.limit, maxRunning.Load(), tc.wantMax)
			}
		})
	}
}

func TestMapFirstErrorStopsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started atomic.Int32
		var cancelled atomic.Int32
		f := future.Map(context.Background(), 2, []int{0, 1, 2, 3, 4}, func(ctx context.Context, in int) (int, error) {
			started.Add(1)
			if in == 1 {
				return 0, errBoom
			}
			<-ctx.Done()
			cancelled.Add(1)
			return 0, ctx.Err()
		})
		_, err := f.Await(context.Background())
		if !errors.Is(err, errBoom) || err.Error() != "future.Map: input 1: boom" {
			t.Fatalf("Map: %v, want errBoom for input 1", err)
		}
		if started.Load() != 2 || cancelled.Load() != 1 {
			t.Fatalf("started %d calls, cancelled %d; want 2 started, the one in flight cancelled", started.Load(), cancelled.Load())
		}
	})
}

func TestMapPanic(t *testing.T) {
	f := future.Map(context.Background(), 2, []string{"a", "b"}, func(_ context.Context, in string) (string, error) {
		if in == "b" {
			panic("bad input")
		}
		return in, nil
	})
	_, err := f.Await(context.Background())
	var pe *future.PanicError
	if !errors.As(err, &pe) || pe.Value != "bad input" {
		t.Fatalf("Map: %v, want a *PanicError for input b", err)
	}
}

func TestMapCancelBeforeAllInputsStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var f *future.Future[[]int]
		f = future.Map(context.Background(), 1, []int{1, 2, 3}, func(ctx context.Context, in int) (int, error) {
			<-release
			return in, nil // ignores cancellation: the call finishes, no more start
		})
		synctest.Wait()
		f.Cancel()
		close(release)
		if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Map after Cancel: %v, want context.Canceled", err)
		}
	})
}

func TestMapEdgeCases(t *testing.T) {
	ctx := context.Background()
	got, err := future.Map(ctx, 4, nil, func(context.Context, int) (int, error) { return 0, nil }).Await(ctx)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Map over no inputs = %#v, %v; want an empty slice", got, err)
	}
	if _, err := future.Map[int, int](ctx, 4, []int{1}, nil).Await(ctx); !errors.Is(err, future.ErrNilArgument) {
		t.Fatalf("Map with nil fn: %v, want ErrNilArgument", err)
	}
}
