package main

import (
	"math"
	"strconv"
	"time"
)

// maxIntervals bounds how many steps an axis is cut into, so that its
// labels never crowd each other.
const maxIntervals = 5

// tick is one labelled value of an axis.
type tick struct {
	value float64
	label string
}

// scale is a vertical axis from 0 to its last tick.
type scale struct {
	ticks []tick
}

// top is the value drawn at the top of the plot.
func (s scale) top() float64 { return s.ticks[len(s.ticks)-1].value }

// niceStep is the smallest of 1, 2 or 5 times a power of ten that cuts
// 0..hi into at most maxIntervals steps: round numbers a reader adds up
// at a glance.
func niceStep(hi float64) float64 {
	raw := hi / maxIntervals
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		// The tolerance keeps 0.2 from losing to 1/5 by a rounding error.
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// newScale puts ticks every step from 0 to the first at or above hi
// (empty when hi is 0: an axis without data); step is niceStep's but not
// below minStep, so that counts get no half ticks. label writes a tick
// given the top one, whose size may pick the unit.
func newScale(hi, empty, minStep float64, label func(v, step, top float64) string) scale {
	if hi <= 0 {
		hi = empty
	}
	step := max(niceStep(hi), minStep)
	n := int(math.Ceil(hi/step - 1e-9))
	s := scale{ticks: make([]tick, n+1)}
	for i := range s.ticks {
		v := float64(i) * step
		s.ticks[i] = tick{v, label(v, step, float64(n)*step)}
	}
	return s
}

// countScale is the axis of connections and callers: whole numbers.
func countScale(hi float64) scale {
	return newScale(hi, 1, 1, func(v, _, _ float64) string { return strconv.FormatFloat(v, 'f', 0, 64) })
}

// rateScale is the axis of a rate per second, counted over whole samples.
func rateScale(hi float64) scale {
	return newScale(hi, 1, 1, func(v, _, _ float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" })
}

// durationScale is an axis of durations given in nanoseconds, labelled in
// the unit of its top tick (µs, ms or s) so that the labels read alike.
// Without data it shows 0 to 1ms.
func durationScale(hi float64) scale {
	return newScale(hi, float64(time.Millisecond), 1, func(v, step, top float64) string {
		if v == 0 {
			return "0"
		}
		unit, name := durationUnit(time.Duration(top))
		return decimal(v/unit, step/unit) + name
	})
}

// durationUnit is the unit labels of durations up to about d are written in.
func durationUnit(d time.Duration) (float64, string) {
	switch {
	case d < time.Millisecond:
		return float64(time.Microsecond), "µs"
	case d < time.Second:
		return float64(time.Millisecond), "ms"
	}
	return float64(time.Second), "s"
}

// decimal writes v with as many decimals as step needs and no trailing
// zeros: 0.5, 1, 1.5 for a step of 0.5.
func decimal(v, step float64) string {
	digits := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if digits > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	return s
}
