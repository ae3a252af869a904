package main

import (
	"fmt"
	"html/template"
	"strings"
)

// series is one line of the chart. Counts of connections and callers
// share the left scale; a rate runs to hundreds per second, so it has the
// right one.
type series struct {
	name, colour string
	right        bool
	value        func(sample) float64
}

var chartSeries = []series{
	{"busy", "#d62728", false, func(s sample) float64 { return float64(s.busy) }},
	{"idle", "#2ca02c", false, func(s sample) float64 { return float64(s.idle) }},
	{"waiting", "#ff7f0e", false, func(s sample) float64 { return float64(s.waiting) }},
	{"pipelined/s (right)", "#1f77b4", true, func(s sample) float64 { return float64(s.pipelinedPerInterval) / sampleEvery.Seconds() }},
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH          = 720, 240
	padLeft, padRight, padB = 48, 48, 24
)

// chart draws the samples as an SVG line chart, newest on the right: one
// line per series, each scale from 0 to the highest value on it. Only
// numbers and fixed names go into the markup, so it is safe as
// template.HTML.
func chart(samples []sample) template.HTML {
	top := [2]float64{1, 1} // left, right
	side := func(se series) int {
		if se.right {
			return 1
		}
		return 0
	}
	for _, s := range samples {
		for _, se := range chartSeries {
			top[side(se)] = max(top[side(se)], se.value(s))
		}
	}
	plotW, plotH := float64(chartW-padLeft-padRight), float64(chartH-padB)
	x := func(i int) float64 { return padLeft + plotW*float64(historyLen-len(samples)+i)/float64(historyLen-1) }
	y := func(se series, v float64) float64 { return plotH - plotH*v/top[side(se)] }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="pool over the last %v">`,
		chartW, chartH+20, chartW, chartH+20, historyLen*sampleEvery)
	fmt.Fprintf(&b, `<rect x="%d" y="0" width="%g" height="%g" fill="#fafafa" stroke="#ccc"/>`, padLeft, plotW, plotH)
	fmt.Fprintf(&b, `<text x="%d" y="12" font-size="11" text-anchor="end">%g</text>`, padLeft-4, top[0])
	fmt.Fprintf(&b, `<text x="%d" y="12" font-size="11" fill="#1f77b4">%g</text>`, chartW-padRight+4, top[1])
	fmt.Fprintf(&b, `<text x="%d" y="%g" font-size="11" text-anchor="end">0</text>`, padLeft-4, plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">-%v</text>`, padLeft, chartH-6, historyLen*sampleEvery)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">now</text>`, chartW-padRight, chartH-6)
	for k, se := range chartSeries {
		b.WriteString(`<polyline fill="none" stroke-width="2" stroke="` + se.colour + `" points="`)
		for i, s := range samples {
			fmt.Fprintf(&b, "%.1f,%.1f ", x(i), y(se, se.value(s)))
		}
		b.WriteString(`"/>`)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			padLeft+k*110, chartH+6, se.colour, padLeft+k*110+16, chartH+12, se.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
