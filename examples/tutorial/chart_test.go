package main

import (
	"slices"
	"strings"
	"testing"
)

func labels(s scale) []string {
	var out []string
	for _, t := range s.ticks {
		out = append(out, t.label)
	}
	return out
}

// TestScaleTicks: 0 to the first round step at or above the highest
// value, in at most five steps.
func TestScaleTicks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scale func(float64) scale
		hi    float64
		want  []string
	}{
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

// TestChartLeavesGaps: the first sample, which has no interval, has no
// rate (rather than a rate of 0); the point alone is a dot.
func TestChartLeavesGaps(t *testing.T) {
	rate := string(poolPlot.svg([]sample{{}, {interval: true, pipelined: 5}}))
	if want := `d=""/><circle cx="658.0" cy="14.0" r="2.5" fill="#1f77b4"/>`; !strings.Contains(rate, want) {
		t.Errorf("the rate is not drawn %s:\n%s", want, rate)
	}
}
