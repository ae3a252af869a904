package resilience_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

const manyFutures = 10_000

// TestTenThousandFutures starts 10,000 Execute futures at once on a pool
// of 8 connections, twice: every one completes with its own result, and
// the second round leaves the heap where the first left it. (The first
// round's retained heap is mostly the runtime's own: it keeps the
// descriptors of finished goroutines for reuse.)
func TestTenThousandFutures(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	leaks := leakCheck(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 8, MaxSize: 8})
	if err != nil {
		t.Fatal(err)
	}

	base := heapAfterGC()
	goroutinesBefore := runtime.NumGoroutine()
	first := futuresRound(t, ctx, p)
	afterFirst := heapAfterGC()
	second := futuresRound(t, ctx, p)
	afterSecond := heapAfterGC()
	st := p.Stats()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	leaks()

	if st.DB.MaxOpenConnections != 8 || st.DB.OpenConnections > 8 {
		t.Errorf("pool stats %v: want at most 8 connections", st)
	}
	peakGrowth := mib(first.peakHeap - min(first.peakHeap, base))
	retained := mib(afterFirst - min(afterFirst, base))
	growth := mib(afterSecond - min(afterSecond, afterFirst))
	// Each waiting future holds a goroutine (a few KiB of stack, not
	// heap) and a little state; 10,000 of them fit in far less.
	const peakBound, growthBound = 256.0, 3.0
	if peakGrowth > peakBound {
		t.Errorf("heap grew by %.1f MiB at the peak, want <= %.0f MiB", peakGrowth, peakBound)
	}
	if growth > growthBound {
		t.Errorf("a second round of %d futures left %.1f MiB more heap than the first, want <= %.0f MiB", manyFutures, growth, growthBound)
	}
	report(t, "10k_futures", "futures=%d max_size=8 took=%v,%v (started in %v, %.0f/s) heap_peak_growth=%.1fMiB retained_after_round1=%.2fMiB round2_growth=%.2fMiB alloc_per_future=%.0fB goroutines_peak=%d (before %d)",
		manyFutures, first.took.Round(time.Millisecond), second.took.Round(time.Millisecond),
		first.started.Round(time.Millisecond), manyFutures/first.took.Seconds(),
		peakGrowth, retained, growth, first.allocPerFuture, first.peakGoroutines, goroutinesBefore)
}

type roundFigures struct {
	took, started  time.Duration
	peakHeap       uint64
	peakGoroutines int
	allocPerFuture float64
}

// futuresRound starts manyFutures Execute futures at once, checks every
// result and measures the round.
func futuresRound(t *testing.T, ctx context.Context, p *pool.Pool) roundFigures {
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
	return fig
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
