package main

import (
	"strings"
	"testing"
)

// TestChartDrawsEverySeriesOnItsScale: one polyline per series with a
// point per sample; counts on the left scale (top: the highest count),
// the pipelining rate on the right.
func TestChartDrawsEverySeriesOnItsScale(t *testing.T) {
	samples := []sample{{busy: 2, idle: 1}, {busy: 10, waiting: 14, pipelinedPerInterval: 600}}
	svg := string(chart(samples))
	if n := strings.Count(svg, "<polyline"); n != len(chartSeries) {
		t.Fatalf("%d polylines, want %d:\n%s", n, len(chartSeries), svg)
	}
	for _, want := range []string{`text-anchor="end">14</text>`, `fill="#1f77b4">600</text>`, "busy", "waiting", "pipelined/s"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	// The newest sample sits at the right edge, the rate's peak at the top.
	if !strings.Contains(svg, "672.0,0.0 ") {
		t.Errorf("the newest rate is not drawn at the top right edge:\n%s", svg)
	}
}
