package main

import (
	"context"
	"sync"
	"time"

	"github.com/momoko-go/momoko/pool"
)

// The /stats chart shows the last historyLen samples, one every
// sampleEvery: three minutes, enough to watch the pool stretch under a
// load and shrink back after ShrinkDelay.
const (
	sampleEvery = time.Second
	historyLen  = 180
)

// sample is the pool at one moment, as the chart draws it, and what
// happened since the sample before.
type sample struct {
	busy, idle, waiting int
	// interval is false for the first sample, which has no sample before
	// it: its per-interval figures are not zero but unknown.
	interval  bool
	pipelined uint64 // statements pipelined in the interval
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
