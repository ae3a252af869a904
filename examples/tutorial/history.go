package main

import (
	"context"
	"sync"
	"time"

	"github.com/momoko-go/momoko/pool"
)

// The /stats charts show the last historyLen samples, one every
// sampleEvery: three minutes, enough to watch the pool stretch under a
// load and shrink back after ShrinkDelay.
const (
	sampleEvery = time.Second
	historyLen  = 180
)

// sample is the pool at one moment, as the charts draw it, and what
// happened since the sample before.
type sample struct {
	busy, idle, waiting int
	// interval is false for the first sample, which has no sample before
	// it: its per-interval figures are not zero but unknown.
	interval  bool
	pipelined uint64      // statements pipelined in the interval
	statement percentiles // time of the statements that resolved in it
	wait      percentiles // time of the waits in the pool's queue that ended in it
}

// percentiles is the p50 and p99 of the durations of one interval; with
// none (n == 0) there are no percentiles, which the chart leaves as a gap
// rather than a line dropping to 0.
type percentiles struct {
	n        uint64
	p50, p99 time.Duration
}

func newPercentiles(h pool.Histogram) percentiles {
	return percentiles{n: h.Count, p50: h.Quantile(0.5), p99: h.Quantile(0.99)}
}

// history keeps the last samples of a pool.
type history struct {
	p    *pool.Pool
	mu   sync.Mutex
	buf  []sample   // oldest first
	last pool.Stats // at the last sample: the start of the next interval
}

// watch samples p every sampleEvery until ctx ends; the first sample is
// taken before it returns, so that the page always has one.
func watch(ctx context.Context, p *pool.Pool) (*history, <-chan struct{}) {
	h := &history{p: p}
	h.take()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				h.take()
			}
		}
	}()
	return h, done
}

func (h *history) take() {
	s := h.p.Stats()
	h.mu.Lock()
	defer h.mu.Unlock()
	next := sample{busy: s.Busy, idle: s.Free, waiting: s.Waiting, interval: len(h.buf) > 0}
	if next.interval {
		next.pipelined = s.Pipelined - h.last.Pipelined
		next.statement = newPercentiles(s.Latency.Statement.Sub(h.last.Latency.Statement))
		next.wait = newPercentiles(s.Latency.Wait.Sub(h.last.Latency.Wait))
	}
	h.last = s
	if len(h.buf) == historyLen {
		copy(h.buf, h.buf[1:])
		h.buf = h.buf[:historyLen-1]
	}
	h.buf = append(h.buf, next)
}

// samples returns a copy of the samples, oldest first.
func (h *history) samples() []sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sample(nil), h.buf...)
}
