package bench

import (
	"context"
	"runtime"
	"time"

	"github.com/momoko-go/momoko/future"
)

// answer is the work both sides of the future comparison run: nothing, so
// only the machinery around it is measured.
//
//go:noinline
func answer(context.Context) (int, error) { return 42, nil }

// goAwait is future.Go plus Await: one future, started and waited for.
func goAwait() int {
	ctx := context.Background()
	v, _ := future.Go(ctx, answer).Await(ctx)
	return v
}

// bareGoroutine is what goAwait replaces: a goroutine and a channel.
func bareGoroutine() int {
	ctx := context.Background()
	result := make(chan int, 1)
	go func() {
		v, _ := answer(ctx)
		result <- v
	}()
	return <-result
}

// loopSink keeps the compiler from dropping the calls measureLoop times.
var loopSink int

// loopSample is a single-caller measurement of a function too cheap to
// time one call at a time.
type loopSample struct {
	nsPerOp     float64
	allocsPerOp float64
}

// measureLoop calls fn in batches until d has passed.
func measureLoop(d time.Duration, fn func() int) loopSample {
	const batch = 1000
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	began := time.Now()
	ops, sum := 0, 0
	for time.Since(began) < d {
		for range batch {
			sum += fn()
		}
		ops += batch
	}
	elapsed := time.Since(began)
	runtime.ReadMemStats(&after)
	loopSink = sum
	return loopSample{
		nsPerOp:     float64(elapsed.Nanoseconds()) / float64(ops),
		allocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(ops),
	}
}
