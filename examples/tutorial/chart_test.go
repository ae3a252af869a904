package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func labels(s scale) []string {
	var out []string
	for _, t := range s.ticks {
		out = append(out, t.label)
	}
	return out
}

// TestScaleTicks: 0 to the first round step at or above the highest
// value, in at most five steps, durations in the unit of the top tick.
func TestScaleTicks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scale func(float64) scale
		hi    float64
		want  []string
	}{
		{"0-3ms", durationScale, float64(3 * time.Millisecond), []string{"0", "1ms", "2ms", "3ms"}},
		{"12µs-800µs", durationScale, float64(800 * time.Microsecond), []string{"0", "200µs", "400µs", "600µs", "800µs"}},
		{"a top tick of 1ms", durationScale, float64(801 * time.Microsecond), []string{"0", "0.2ms", "0.4ms", "0.6ms", "0.8ms", "1ms"}},
		{"half milliseconds", durationScale, float64(2300 * time.Microsecond), []string{"0", "0.5ms", "1ms", "1.5ms", "2ms", "2.5ms"}},
		{"seconds", durationScale, float64(1700 * time.Millisecond), []string{"0", "0.5s", "1s", "1.5s", "2s"}},
		{"microseconds", durationScale, float64(7 * time.Microsecond), []string{"0", "2µs", "4µs", "6µs", "8µs"}},
		{"no durations", durationScale, 0, []string{"0", "0.2ms", "0.4ms", "0.6ms", "0.8ms", "1ms"}},
		{"counts", countScale, 14, []string{"0", "5", "10", "15"}},
		{"no half callers", countScale, 2, []string{"0", "1", "2"}},
		{"no counts", countScale, 0, []string{"0", "1"}},
		{"rate", rateScale, 646, []string{"0/s", "200/s", "400/s", "600/s", "800/s"}},
	} {
		if got := labels(tc.scale(tc.hi)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ticks %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestChartLabelsAxesAndLegend: the left scale's ticks, the right
// scale's in the colour of its line, seconds ago along the bottom and a
// legend entry per line.
func TestChartLabelsAxesAndLegend(t *testing.T) {
	samples := []sample{{busy: 2, idle: 1}, {busy: 10, waiting: 14, interval: true, pipelined: 600}}
	svg := string(poolPlot.svg(samples))
	if n := strings.Count(svg, "<path"); n != len(poolPlot.lines) {
		t.Fatalf("%d paths, want %d:\n%s", n, len(poolPlot.lines), svg)
	}
	for _, want := range []string{
		`text-anchor="end">0</text>`, `text-anchor="end">15</text>`,
		`fill="#1f77b4">600/s</text>`,
		`text-anchor="middle">now</text>`, `text-anchor="middle">−30s</text>`, `text-anchor="middle">−180s</text>`,
		`>busy</text>`, `>idle</text>`, `>waiting</text>`, `>pipelined/s (right scale)</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
}

// TestChartKeepsLinesOffTheFrame: the newest sample is drawn inset from
// the right edge of the frame, the top tick's value inset below its top
// edge and 0 inset above its bottom, so that no line runs along the
// frame.
func TestChartKeepsLinesOffTheFrame(t *testing.T) {
	samples := []sample{{busy: 0}, {busy: 3}}
	svg := string(plot{lines: poolPlot.lines[:1], left: countScale}.svg(samples))
	want := `d="M654.7,202.0 L658.0,14.0 "`
	if !strings.Contains(svg, want) {
		t.Errorf("busy is not drawn %s:\n%s", want, svg)
	}
	if !strings.Contains(svg, `<rect x="56" y="8" width="608" height="200"`) {
		t.Errorf("the frame moved:\n%s", svg)
	}
}

// TestChartLeavesGapsWithoutStatements: an interval in which no
// statement resolved has no point, so the line breaks off instead of
// dropping to 0; a point alone between gaps is a dot; the first sample,
// which has no interval, has no rate.
func TestChartLeavesGapsWithoutStatements(t *testing.T) {
	ms := func(n int64) percentiles {
		return percentiles{n: 1, p50: time.Duration(n) * time.Millisecond, p99: time.Duration(n) * time.Millisecond}
	}
	samples := []sample{{}, {interval: true, statement: ms(3)}, {interval: true, statement: ms(1)},
		{interval: true}, {interval: true, statement: ms(2)}, {interval: true}}
	svg := string(plot{lines: latencyPlot.lines[:1], left: durationScale}.svg(samples))
	want := `d="M644.8,14.0 L648.1,139.3 "/><circle cx="654.7" cy="76.7" r="2.5" fill="#1f77b4"/>`
	if !strings.Contains(svg, want) {
		t.Errorf("p50 is not drawn %s:\n%s", want, svg)
	}
	rate := string(poolPlot.svg([]sample{{}, {interval: true, pipelined: 5}}))
	if want := `d=""/><circle cx="658.0" cy="14.0" r="2.5" fill="#1f77b4"/>`; !strings.Contains(rate, want) {
		t.Errorf("the rate is not drawn %s:\n%s", want, rate)
	}
}
