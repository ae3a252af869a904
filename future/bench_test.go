package future_test

import (
	"context"
	"testing"

	"github.com/momoko-go/momoko/future"
)

// The benchmarks compare a future with the bare goroutine and channel it
// replaces; run them together to read the ratio from one run:
//
//	go test -run '^$' -bench 'GoAwait|BareGoroutine' -benchmem ./future

//go:noinline
func work(context.Context) (int, error) { return 42, nil }

func BenchmarkBareGoroutineChannel(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		result := make(chan int, 1)
		go func() {
			v, _ := work(ctx)
			result <- v
		}()
		if <-result != 42 {
			b.Fatal("wrong result")
		}
	}
}

func BenchmarkGoAwait(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if v, _ := future.Go(ctx, work).Await(ctx); v != 42 {
			b.Fatal("wrong result")
		}
	}
}

// BenchmarkGoAwaitCancellableContext pays for context.WithCancel, which Go
// needs when the caller's context can be cancelled.
func BenchmarkGoAwaitCancellableContext(b *testing.B) {
	b.ReportAllocs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for b.Loop() {
		if v, _ := future.Go(ctx, work).Await(ctx); v != 42 {
			b.Fatal("wrong result")
		}
	}
}

func BenchmarkAllOfThree(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := future.All(ctx, future.Go(ctx, work), future.Go(ctx, work), future.Go(ctx, work)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGoAwaitAllocations holds Go plus Await to its allocation budget: the
// future, its channel and the goroutine's closure.
func TestGoAwaitAllocations(t *testing.T) {
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if v, _ := future.Go(ctx, work).Await(ctx); v != 42 {
			t.Fatal("wrong result")
		}
	})
	if allocs > 3 {
		t.Fatalf("Go+Await made %v allocations, want at most 3", allocs)
	}
}
