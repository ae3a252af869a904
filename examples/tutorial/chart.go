package main

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// line is one line of a chart.
type line struct {
	name, colour string
	dashed       bool
	right        bool                         // on the right scale
	value        func(sample) (float64, bool) // false: no value, a gap in the line
}

// plot is one chart of the history: lines over the last historyLen
// samples, newest on the right.
type plot struct {
	label       string
	lines       []line
	left, right func(hi float64) scale // right is nil for a chart of one scale
}

// Chart geometry, in SVG user units. The data stay inset from the frame
// so that a line at 0 or at the top tick is not drawn over it.
const (
	chartW, plotH         = 720, 200
	padLeft, padRight     = 56, 56
	padTop                = 8
	inset                 = 6
	plotW                 = chartW - padLeft - padRight
	xLabelsH, legendH     = 18, 24
	chartH                = padTop + plotH + xLabelsH + legendH
	xTickEvery            = 30 * time.Second
	legendSwatch, letterW = 24, 7 // a legend entry's line, and roughly a letter's width
)

// historySpan is the time the x axis covers.
const historySpan = historyLen * sampleEvery

// svg draws the samples, oldest first: grid and tick labels, then the
// lines above them, then the legend. Only numbers and fixed names go into
// the markup, so it is safe as template.HTML.
func (p plot) svg(samples []sample) template.HTML {
	var hi [2]float64
	for _, s := range samples {
		for _, l := range p.lines {
			if v, ok := l.value(s); ok {
				hi[side(l)] = max(hi[side(l)], v)
			}
		}
	}
	scales := []scale{p.left(hi[0])}
	if p.right != nil {
		scales = append(scales, p.right(hi[1]))
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s over the last %v">`,
		chartW, chartH, chartW, chartH, p.label, historySpan)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#999"/>`, padLeft, padTop, plotW, plotH)
	p.yAxes(&b, scales)
	xAxis(&b)
	for _, l := range p.lines {
		p.path(&b, l, scales[side(l)], samples)
	}
	p.legend(&b)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// side is the index of l's scale: 0 left, 1 right.
func side(l line) int {
	if l.right {
		return 1
	}
	return 0
}

// y is where v is drawn on a scale.
func y(sc scale, v float64) float64 {
	return padTop + inset + (plotH-2*inset)*(1-v/sc.top())
}

// x is where a sample taken age before the newest is drawn.
func x(age time.Duration) float64 {
	return padLeft + inset + (plotW-2*inset)*(1-float64(age)/float64(historySpan))
}

// yAxes labels the left scale's ticks with grid lines across the plot,
// the right scale's with marks on the frame, in the colour of its line.
func (p plot) yAxes(b *strings.Builder, scales []scale) {
	for _, t := range scales[0].ticks {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e0e0e0"/>`, padLeft, padLeft+plotW, y(scales[0], t.value), y(scales[0], t.value))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`, padLeft-6, y(scales[0], t.value)+4, t.label)
	}
	if len(scales) < 2 {
		return
	}
	colour := ""
	for _, l := range p.lines {
		if l.right {
			colour = l.colour
		}
	}
	for _, t := range scales[1].ticks {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, padLeft+plotW-4, padLeft+plotW, y(scales[1], t.value), y(scales[1], t.value), colour)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="11" fill="%s">%s</text>`, padLeft+plotW+6, y(scales[1], t.value)+4, colour, t.label)
	}
}

// xAxis marks every xTickEvery back from now with a grid line and the
// seconds ago.
func xAxis(b *strings.Builder) {
	for age := time.Duration(0); age <= historySpan; age += xTickEvery {
		label := "now"
		if age > 0 {
			label = fmt.Sprintf("−%ds", int(age.Seconds()))
		}
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e0e0e0"/>`, x(age), x(age), padTop, padTop+plotH)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>`, x(age), padTop+plotH+14, label)
	}
}

// path draws one line; where the line has no value it breaks off, and a
// value alone between two gaps, of which a path draws nothing, is a dot.
func (p plot) path(b *strings.Builder, l line, sc scale, samples []sample) {
	type point struct{ x, y float64 }
	var runs [][]point // the stretches without a gap
	gap := true
	for i, s := range samples {
		v, ok := l.value(s)
		if !ok {
			gap = true
			continue
		}
		if gap {
			runs = append(runs, nil)
			gap = false
		}
		pt := point{x(time.Duration(len(samples)-1-i) * sampleEvery), y(sc, v)}
		runs[len(runs)-1] = append(runs[len(runs)-1], pt)
	}
	fmt.Fprintf(b, `<path fill="none" stroke-width="2" stroke-linejoin="round" stroke="%s"`, l.colour)
	if l.dashed {
		b.WriteString(` stroke-dasharray="6 4"`)
	}
	b.WriteString(` d="`)
	for _, run := range runs {
		if len(run) == 1 {
			continue
		}
		cmd := "M"
		for _, pt := range run {
			fmt.Fprintf(b, "%s%.1f,%.1f ", cmd, pt.x, pt.y)
			cmd = "L"
		}
	}
	b.WriteString(`"/>`)
	for _, run := range runs {
		if len(run) == 1 {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, run[0].x, run[0].y, l.colour)
		}
	}
}

// legend names the lines below the x axis, in their order.
func (p plot) legend(b *strings.Builder) {
	at, base := padLeft, chartH-8
	for _, l := range p.lines {
		dash := ""
		if l.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke-width="2" stroke="%s"%s/><text x="%d" y="%d" font-size="12">%s</text>`,
			at, at+legendSwatch-6, base-4, base-4, l.colour, dash, at+legendSwatch, base, l.name)
		at += legendSwatch + letterW*len(l.name) + 20
	}
}
