package future_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/momoko-go/momoko/future"
)

var errBoom = errors.New("boom")

func TestGoResolvesWithValueAndError(t *testing.T) {
	ctx := context.Background()
	v, err := future.Go(ctx, func(context.Context) (int, error) { return 42, nil }).Await(ctx)
	if v != 42 || err != nil {
		t.Fatalf("Await = %v, %v; want 42, nil", v, err)
	}
	v, err = future.Go(ctx, func(context.Context) (int, error) { return 7, errBoom }).Await(ctx)
	if v != 7 || !errors.Is(err, errBoom) {
		t.Fatalf("Await = %v, %v; want 7, %v", v, err, errBoom)
	}
}

// parents are the two kinds of caller context Go handles differently: one
// that can never be cancelled, and one that can.
func parents(t *testing.T) map[string]context.Context {
	cancellable, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return map[string]context.Context{"background": context.Background(), "cancellable": cancellable}
}

func TestCancelCancelsFunctionContext(t *testing.T) {
	for name, parent := range parents(t) {
		t.Run(name, func(t *testing.T) {
			started := make(chan struct{})
			f := future.Go(parent, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, ctx.Err()
			})
			<-started
			if _, err := f.Result(); !errors.Is(err, future.ErrNotDone) {
				t.Fatalf("Result before Cancel: %v, want ErrNotDone", err)
			}
			f.Cancel()
			if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
				t.Fatalf("Await after Cancel: %v, want context.Canceled", err)
			}
			f.Cancel() // again, on a finished future: nothing happens
		})
	}
}

func TestCallerContextCancelsFunctionContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	f := future.Go(parent, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	cancel()
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await: %v, want context.Canceled", err)
	}
}

func TestFunctionContextEndsWhenFunctionReturns(t *testing.T) {
	type key struct{}
	for name, parent := range parents(t) {
		t.Run(name, func(t *testing.T) {
			parent := context.WithValue(parent, key{}, "v")
			var got context.Context
			f := future.Go(parent, func(ctx context.Context) (string, error) {
				got = ctx
				if err := ctx.Err(); err != nil {
					return "", err
				}
				s, _ := ctx.Value(key{}).(string)
				return s, nil
			})
			if v, err := f.Await(context.Background()); v != "v" || err != nil {
				t.Fatalf("Await = %q, %v; want the caller's value", v, err)
			}
			if !errors.Is(got.Err(), context.Canceled) {
				t.Fatalf("function context after return: Err = %v, want context.Canceled", got.Err())
			}
			select {
			case <-got.Done():
			default:
				t.Fatal("function context after return: Done not closed")
			}
		})
	}
}

func TestGoNilArguments(t *testing.T) {
	if _, err := future.Go[int](context.Background(), nil).Await(context.Background()); !errors.Is(err, future.ErrNilArgument) {
		t.Fatalf("Go(nil fn): %v, want ErrNilArgument", err)
	}
	// A nil context is what is under test here.
	f := future.Go(nil, func(ctx context.Context) (int, error) { return 1, ctx.Err() })
	if v, err := f.Await(nil); v != 1 || err != nil {
		t.Fatalf("Go(nil ctx) = %v, %v; want 1, nil", v, err)
	}
}

func TestNewCompletesExactlyOnce(t *testing.T) {
	f, complete := future.New[int]()
	if _, err := f.Result(); !errors.Is(err, future.ErrNotDone) {
		t.Fatalf("Result of a pending future: %v, want ErrNotDone", err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if complete(i, nil) {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d calls of complete reported true, want 1", wins.Load())
	}
	first, _ := f.Result()
	if complete(-1, errBoom) {
		t.Fatal("complete on a completed future reported true")
	}
	if v, err := f.Await(context.Background()); v != first || err != nil {
		t.Fatalf("after a late complete: %v, %v; want %v, nil", v, err, first)
	}
	f.Cancel() // no function to cancel: nothing happens
	if v, _ := f.Result(); v != first {
		t.Fatalf("Cancel changed the result to %v", v)
	}
}

func TestAwaitContextEndingLeavesFutureUntouched(t *testing.T) {
	f, complete := future.New[string]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await with an ended ctx: %v, want context.Canceled", err)
	}
	complete("real", nil)
	if v, err := f.Await(context.Background()); v != "real" || err != nil {
		t.Fatalf("later Await = %q, %v; want the real result", v, err)
	}
	// A result that is there wins over an ended ctx.
	if v, err := f.Await(ctx); v != "real" || err != nil {
		t.Fatalf("Await of a done future with an ended ctx = %q, %v", v, err)
	}
}

func TestAwaitDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := future.Go(context.Background(), func(ctx context.Context) (int, error) {
			time.Sleep(time.Minute)
			return 1, nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		if _, err := f.Await(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await: %v, want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("Await waited %v, want the 1s deadline", waited)
		}
		if v, err := f.Await(context.Background()); v != 1 || err != nil {
			t.Fatalf("later Await = %v, %v; want 1, nil", v, err)
		}
	})
}

func TestPanicResolvesWithPanicError(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) {
		panic("kaboom")
	})
	_, err := f.Await(context.Background())
	var pe *future.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Await: %v (%T), want *PanicError", err, err)
	}
	if pe.Value != "kaboom" {
		t.Fatalf("PanicError.Value = %v, want kaboom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "TestPanicResolvesWithPanicError") {
		t.Fatalf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
	}
	if !strings.Contains(pe.Error(), "kaboom") {
		t.Fatalf("Error() = %q, want the panic value in it", pe.Error())
	}
	// Later reads see the same error: the panic is kept, not lost.
	if _, again := f.Result(); again != err {
		t.Fatalf("Result = %v, want the same *PanicError", again)
	}
}

func TestPanicWithErrorUnwraps(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) { panic(errBoom) })
	if _, err := f.Await(context.Background()); !errors.Is(err, errBoom) {
		t.Fatalf("Await: %v, want it to wrap the panicked error", err)
	}
}

func TestGoexitResolvesWithErrGoexit(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) {
		runtime.Goexit()
		return 1, nil
	})
	if _, err := f.Await(context.Background()); !errors.Is(err, future.ErrGoexit) {
		t.Fatalf("Await: %v, want ErrGoexit", err)
	}
}

func TestNilFuture(t *testing.T) {
	var f *future.Future[int]
	if _, err := f.Await(context.Background()); !errors.Is(err, future.ErrNilFuture) {
		t.Fatalf("Await: %v, want ErrNilFuture", err)
	}
	if _, err := f.Result(); !errors.Is(err, future.ErrNilFuture) {
		t.Fatalf("Result: %v, want ErrNilFuture", err)
	}
	if f.Done() != nil {
		t.Fatal("Done of a nil future is not nil")
	}
	f.Cancel()
}

func TestResolvedAndFailed(t *testing.T) {
	r := future.Resolved("ok")
	select {
	case <-r.Done():
	default:
		t.Fatal("Resolved: Done not closed")
	}
	if v, err := r.Result(); v != "ok" || err != nil {
		t.Fatalf("Resolved: Result = %q, %v", v, err)
	}
	if _, err := future.Failed[string](errBoom).Result(); !errors.Is(err, errBoom) {
		t.Fatalf("Failed: Result error = %v, want %v", err, errBoom)
	}
}

// inline runs tasks on the caller's goroutine.
type inline struct{ ran int }

func (e *inline) Execute(task func()) { e.ran++; task() }

func TestGoOnRunsOnTheExecutor(t *testing.T) {
	ex := &inline{}
	f := future.GoOn(context.Background(), ex, func(context.Context) (int, error) { return 7, nil })
	if v, err := f.Result(); v != 7 || err != nil || ex.ran != 1 {
		t.Fatalf("GoOn on an inline executor: %v, %v, ran %d", v, err, ex.ran)
	}
	f = future.GoOn(context.Background(), ex, func(context.Context) (int, error) { panic("boom") })
	var pe *future.PanicError
	if _, err := f.Result(); !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("panic on an executor: %v", err)
	}
	if _, err := future.GoOn[int](context.Background(), nil, nil).Result(); !errors.Is(err, future.ErrNilArgument) {
		t.Fatalf("nil executor: %v", err)
	}
}

func TestThenOnAPromiseResolvesWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		promise, _ := future.New[int]()
		next := future.Then(promise, func(_ context.Context, v int) (int, error) { return v, nil })
		next.Cancel()
		if _, err := next.Await(context.Background()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Then on a never-completed promise after Cancel: %v, want context.Canceled", err)
		}
	})
}
