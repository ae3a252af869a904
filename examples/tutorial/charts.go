package main

// poolPlot charts the connections and the callers waiting for one, which
// share the left scale, and the pipelining rate, which runs to hundreds
// per second and so has the right one.
var poolPlot = plot{
	label: "connections busy and idle, callers waiting, statements pipelined per second",
	lines: []line{
		{name: "busy", colour: "#d62728", value: count(func(s sample) int { return s.busy })},
		{name: "idle", colour: "#2ca02c", value: count(func(s sample) int { return s.idle })},
		{name: "waiting", colour: "#ff7f0e", value: count(func(s sample) int { return s.waiting })},
		{name: "pipelined/s (right scale)", colour: "#1f77b4", right: true, value: func(s sample) (float64, bool) {
			return float64(s.pipelined) / sampleEvery.Seconds(), s.interval
		}},
	},
	left: countScale, right: rateScale,
}

func count(f func(sample) int) func(sample) (float64, bool) {
	return func(s sample) (float64, bool) { return float64(f(s)), true }
}
