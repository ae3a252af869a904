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

// latencyPlot charts the percentiles of each interval's statement times
// (in nanoseconds) and the 99th of its waits in the pool's queue. A
// statement's time includes its wait, so the two lines coming together
// say the queue is where the time goes. An interval that observed none
// has no point: a drop to 0 would read as statements that took no time.
var latencyPlot = plot{
	label: "statement latency (p50, p99)",
	lines: []line{
		{name: "statement p50", colour: "#1f77b4", value: func(s sample) (float64, bool) {
			return float64(s.statement.p50), s.statement.n > 0
		}},
		{name: "statement p99", colour: "#d62728", value: func(s sample) (float64, bool) {
			return float64(s.statement.p99), s.statement.n > 0
		}},
		{name: "wait p99", colour: "#ff7f0e", dashed: true, value: func(s sample) (float64, bool) {
			return float64(s.wait.p99), s.wait.n > 0
		}},
	},
	left: durationScale,
}

func count(f func(sample) int) func(sample) (float64, bool) {
	return func(s sample) (float64, bool) { return float64(f(s)), true }
}
