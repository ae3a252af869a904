package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestMeasureCountsEveryOperation(t *testing.T) {
	var calls atomic.Int64
	s, err := measure(context.Background(), 4, 10*time.Millisecond, func(context.Context) error {
		calls.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.ops == 0 || s.ops != calls.Load() {
		t.Fatalf("ops = %d, calls = %d: want equal and > 0", s.ops, calls.Load())
	}
	if s.elapsed < 10*time.Millisecond {
		t.Errorf("elapsed = %v, want at least the 10ms asked for", s.elapsed)
	}
}

func TestMeasureStopsAtFirstError(t *testing.T) {
	errBoom := errors.New("boom")
	var calls atomic.Int64
	_, err := measure(context.Background(), 8, time.Minute, func(ctx context.Context) error {
		if calls.Add(1) == 100 {
			return errBoom
		}
		return ctx.Err()
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("measure: %v, want %v", err, errBoom)
	}
}

func TestStatsArePairedByRound(t *testing.T) {
	a := []float64{10, 30, 20}
	b := []float64{5, 20, 40}
	id := func(x float64) float64 { return x }
	if got := median(a, id); got != 20 {
		t.Errorf("median = %v, want 20", got)
	}
	// Ratios by round: 2, 1.5, 0.5; the ratio of medians would be 1.
	if got := pairedRatio(a, b, id); got != 1.5 {
		t.Errorf("pairedRatio = %v, want 1.5", got)
	}
	if got := median([]float64{1, 2, 3, 4}, id); got != 2.5 {
		t.Errorf("median of even count = %v, want 2.5", got)
	}
}
