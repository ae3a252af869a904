package resilience_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

const manyFutures = 10_000

// TestTenThousandFutures starts 10,000 Execute futures at once on a pool
// of 8 connections, three rounds: every one completes with its own result,
// and once a round is over the pool keeps none of its results alive (a
// pipeline kept every request it had read, with its cursors, until its
// array was written over). Heap figures are reported, not asserted: after
// a garbage collection the heap also holds what the runtime keeps for
// reuse, such as the descriptors of every goroutine that ever ran at
// once, which depends on how the rounds were scheduled.
func TestTenThousandFutures(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 8, MaxSize: 8})
	if err != nil {
		t.Fatal(err)
	}

	const rounds = 3
	base := heapAfterGC()
	goroutinesBefore := runtime.NumGoroutine()
	var figs []roundFigures
	var heaps []string
	for round := range rounds {
		fig, cursors := futuresRound(t, ctx, p)
		figs = append(figs, fig)
		// The owner that resolved the last future may still be on its
		// way out of that request: what only takes a moment is waited
		// for, a leak never ends.
		if kept := keptAlive(cursors, 5*time.Second); kept > 0 {
			t.Errorf("round %d: %d of %d cursors are still reachable after the round, want none: the pool keeps finished requests",
				round+1, kept, manyFutures)
		}
		heap := heapAfterGC()
		heaps = append(heaps, fmt.Sprintf("%.2f", mib(heap-min(heap, base))))
	}
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	if st.DB.MaxOpenConnections != 8 || st.DB.OpenConnections > 8 {
		t.Errorf("pool stats %v: want at most 8 connections", st)
	}
	first := figs[0]
	peakGrowth := mib(first.peakHeap - min(first.peakHeap, base))
	// Each waiting future holds a goroutine (a few KiB of stack, not
	// heap) and a little state; 10,000 of them fit in far less.
	const peakBound = 256.0
	if peakGrowth > peakBound {
		t.Errorf("heap grew by %.1f MiB at the peak, want <= %.0f MiB", peakGrowth, peakBound)
	}
	report(t, "10k_futures", "futures=%d max_size=8 took=%v,%v,%v (started in %v, %.0f/s) heap_peak_growth=%.1fMiB heap_after_rounds=%sMiB alloc_per_future=%.0fB goroutines_peak=%d (before %d)",
		manyFutures, first.took.Round(time.Millisecond), figs[1].took.Round(time.Millisecond), figs[2].took.Round(time.Millisecond),
		first.started.Round(time.Millisecond), manyFutures/first.took.Seconds(),
		peakGrowth, strings.Join(heaps, ","), first.allocPerFuture, first.peakGoroutines, goroutinesBefore)
}

// keptAlive is how many of cursors stay reachable, collecting garbage
// until none is or patience runs out.
func keptAlive(cursors []weak.Pointer[pool.Cursor], patience time.Duration) int {
	deadline := time.Now().Add(patience)
	for {
		runtime.GC()
		kept := 0
		for _, c := range cursors {
			if c.Value() != nil {
				kept++
			}
		}
		if kept == 0 || time.Now().After(deadline) {
			return kept
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type roundFigures struct {
	took, started  time.Duration
	peakHeap       uint64
	peakGoroutines int
	allocPerFuture float64
}

// futuresRound starts manyFutures Execute futures at once, checks every
// result and measures the round. It returns weak pointers to the cursors,
// to see whether anything keeps them.
func futuresRound(t *testing.T, ctx context.Context, p *pool.Pool) (roundFigures, []weak.Pointer[pool.Cursor]) {
	t.Helper()
	var fig roundFigures
	var mu sync.Mutex
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		fig.peakHeap = max(fig.peakHeap, m.HeapAlloc)
		fig.peakGoroutines = max(fig.peakGoroutines, runtime.NumGoroutine())
		mu.Unlock()
	}
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	start := time.Now()
	fs := make([]*future.Future[*pool.Cursor], manyFutures)
	for i := range fs {
		fs[i] = p.Execute(ctx, "SELECT $1::int", i)
	}
	sample()
	fig.started = time.Since(start)
	results, err := future.All(ctx, fs...)
	fig.took = time.Since(start)
	close(stop)
	sampler.Wait()
	if err != nil {
		t.Fatalf("future.All: %v", err)
	}
	for i, cur := range results {
		var got int
		if err := cur.FetchOne(&got); err != nil || got != i {
			t.Fatalf("future %d resolved to %d, %v", i, got, err)
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	fig.allocPerFuture = float64(after.TotalAlloc-before.TotalAlloc) / manyFutures
	cursors := make([]weak.Pointer[pool.Cursor], len(results))
	for i, cur := range results {
		cursors[i] = weak.Make(cur)
	}
	return fig, cursors
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
