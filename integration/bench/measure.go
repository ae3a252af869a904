package bench

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// sample is one measurement of one operation run by concurrent callers.
type sample struct {
	ops     int64
	elapsed time.Duration
	cpu     time.Duration // process user + system time
	mallocs uint64
	latency histogram
}

func (s *sample) opsPerSec() float64 { return float64(s.ops) / s.elapsed.Seconds() }

func (s *sample) cpuPerOp() time.Duration { return s.cpu / time.Duration(max(s.ops, 1)) }

func (s *sample) allocsPerOp() float64 { return float64(s.mallocs) / float64(max(s.ops, 1)) }

// measure runs op from callers goroutines for about d and returns what it
// cost. Operations in flight at d finish and count. The first failing
// operation stops the measurement and its error is returned.
func measure(ctx context.Context, callers int, d time.Duration, op func(context.Context) error) (*sample, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		stop     atomic.Bool
		failOnce sync.Once
		failure  error
		wg       sync.WaitGroup
		start    = make(chan struct{})
		hists    = make([]histogram, callers)
	)
	for i := range callers {
		h := &hists[i]
		wg.Go(func() {
			<-start
			for !stop.Load() {
				began := time.Now()
				if err := op(ctx); err != nil {
					failOnce.Do(func() { failure = err })
					stop.Store(true)
					cancel()
					return
				}
				h.record(time.Since(began))
			}
		})
	}

	// Collect the garbage of whatever ran before, so that each sample
	// pays for its own.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore := cpuTime()
	began := time.Now()
	close(start)
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	wg.Wait()
	timer.Stop()
	s := &sample{elapsed: time.Since(began), cpu: cpuTime() - cpuBefore}
	runtime.ReadMemStats(&after)
	if failure != nil {
		return nil, failure
	}
	s.mallocs = after.Mallocs - before.Mallocs
	for i := range hists {
		s.latency.merge(&hists[i])
	}
	s.ops = int64(s.latency.total)
	return s, nil
}
