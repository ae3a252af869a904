package main

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/momoko-go/momoko/pool"
)

// poolStats is pool.Stats as the statistics pages show it.
type poolStats struct {
	Free    int    `json:"free"`
	Busy    int    `json:"busy"`
	Dead    int    `json:"dead"`
	Pending int    `json:"pending"`
	Waiting int    `json:"waiting"`
	Total   int    `json:"total"`
	Size    int    `json:"size"`
	MaxSize int    `json:"max_size"`
	Closed  bool   `json:"closed"`
	Repr    string `json:"repr"` // Momoko's repr of the pool

	// Counters since the pool was made (README, Observability).
	Statements      uint64            `json:"statements"`
	Pipelined       uint64            `json:"pipelined"`
	DeepestPipeline int               `json:"deepest_pipeline"`
	Acquires        uint64            `json:"acquires"`
	Waits           uint64            `json:"waits"`
	WaitSeconds     float64           `json:"wait_seconds"`
	AcquireTimeouts uint64            `json:"acquire_timeouts"`
	WaitsCancelled  uint64            `json:"waits_cancelled"`
	Opens           uint64            `json:"opens"`
	OpenFailures    uint64            `json:"open_failures"`
	Closes          map[string]uint64 `json:"closes"`
	Retried         uint64            `json:"retried"`
	Lost            uint64            `json:"lost"`
	DatabaseDown    bool              `json:"database_down"`
	FastFailures    int64             `json:"fast_failures"`

	// database/sql's own view of the same connections.
	OpenConnections int   `json:"open_connections"`
	WaitCount       int64 `json:"wait_count"`
	MaxIdleClosed   int64 `json:"max_idle_closed"`
	MaxLifeClosed   int64 `json:"max_lifetime_closed"`

	// Percentiles of the times since the pool was made; the chart has
	// them per interval.
	Latency latencyStats `json:"latency"`

	Chart        template.HTML `json:"-"` // busy, idle, waiting and pipelined over the last minutes
	LatencyChart template.HTML `json:"-"` // statement and wait percentiles over the last minutes
}

// latencyStats is pool.LatencyStats in percentiles.
type latencyStats struct {
	Statement latencySummary `json:"statement"`
	Wait      latencySummary `json:"wait"`
	Create    latencySummary `json:"create"`
	Use       latencySummary `json:"use"`
}

// latencySummary is a pool.Histogram as two of its percentiles, which
// are 0 while its count is.
type latencySummary struct {
	Count      uint64  `json:"count"`
	P50Seconds float64 `json:"p50_seconds"`
	P99Seconds float64 `json:"p99_seconds"`
}

func summarize(h pool.Histogram) latencySummary {
	return latencySummary{Count: h.Count, P50Seconds: h.Quantile(0.5).Seconds(), P99Seconds: h.Quantile(0.99).Seconds()}
}

func newPoolStats(s pool.Stats) poolStats {
	return poolStats{
		Free: s.Free, Busy: s.Busy, Dead: s.Dead, Pending: s.Pending, Waiting: s.Waiting,
		Total: s.Total, Size: s.Size, MaxSize: s.MaxSize, Closed: s.Closed, Repr: s.String(),
		Statements: s.Statements, Pipelined: s.Pipelined, DeepestPipeline: s.DeepestPipeline,
		Acquires: s.Queue.Acquires, Waits: s.Queue.Waits, WaitSeconds: s.Queue.WaitTime.Seconds(),
		AcquireTimeouts: s.Queue.Timeouts, WaitsCancelled: s.Queue.Cancelled,
		Opens: s.Opens, OpenFailures: s.OpenFailures, Retried: s.Retried, Lost: s.Lost,
		Closes: map[string]uint64{"lifetime": s.Closes.Lifetime, "health_check": s.Closes.HealthCheck,
			"shrink": s.Closes.Shrink, "broken": s.Closes.Broken, "reset": s.Closes.Reset},
		DatabaseDown: s.Gate.Down, FastFailures: s.Gate.FastFailures,
		OpenConnections: s.DB.OpenConnections, WaitCount: s.DB.WaitCount,
		MaxIdleClosed: s.DB.MaxIdleClosed, MaxLifeClosed: s.DB.MaxLifetimeClosed,
		Latency: latencyStats{Statement: summarize(s.Latency.Statement), Wait: summarize(s.Latency.Wait),
			Create: summarize(s.Latency.Create), Use: summarize(s.Latency.Use)},
	}
}

var statsTemplate = template.Must(template.New("stats").Parse(`<!doctype html>
<meta http-equiv="refresh" content="2">
<title>Pool statistics</title>
<style>body{font-family:sans-serif} table{border-collapse:collapse;display:inline-table;vertical-align:top;margin-right:2em}
th{text-align:left;font-weight:normal;padding-right:1em} td{text-align:right} svg{display:block} h2{font-size:1.1em}</style>
<p><a href="/">← Momoko tutorial</a></p>
<h1>Pool statistics</h1>
<p><code>{{.Repr}}</code></p>
<p>The last three minutes, one sample a second; the page reloads every two seconds.</p>
<h2>Connections and callers</h2>
{{.Chart}}
<p>Connections busy and idle and callers waiting in the pool's queue (left scale); statements pipelined per second (right scale).</p>
<h2>Statement latency (p50, p99)</h2>
{{.LatencyChart}}
<p>The statements given to the pool that finished in each second, timed from the call to the future's resolution: their median and 99th percentile; dashed, the 99th percentile of the waits in the pool's queue that ended in that second. A second without statements (or waits) leaves a gap. The percentiles are estimated within the pool's histogram buckets (…, 10ms, 25ms, 50ms, 100ms, 250ms, …), so the lines tend to settle on those values.</p>
<table>
<caption>now</caption>
<tr><th>free</th><td>{{.Free}}</td></tr>
<tr><th>busy</th><td>{{.Busy}}</td></tr>
<tr><th>dead</th><td>{{.Dead}}</td></tr>
<tr><th>pending</th><td>{{.Pending}}</td></tr>
<tr><th>waiting</th><td>{{.Waiting}}</td></tr>
<tr><th>total</th><td>{{.Total}}</td></tr>
<tr><th>size</th><td>{{.Size}}</td></tr>
<tr><th>max size</th><td>{{.MaxSize}}</td></tr>
<tr><th>closed</th><td>{{.Closed}}</td></tr>
<tr><th>database down</th><td>{{.DatabaseDown}}</td></tr>
<tr><th>open (database/sql)</th><td>{{.OpenConnections}}</td></tr>
<tr><th>waits (database/sql)</th><td>{{.WaitCount}}</td></tr>
</table>
<table>
<caption>since start</caption>
<tr><th>statements</th><td>{{.Statements}}</td></tr>
<tr><th>pipelined</th><td>{{.Pipelined}}</td></tr>
<tr><th>deepest pipeline</th><td>{{.DeepestPipeline}}</td></tr>
<tr><th>waits</th><td>{{.Waits}}</td></tr>
<tr><th>wait time (s)</th><td>{{printf "%.3f" .WaitSeconds}}</td></tr>
<tr><th>statement p50 (s)</th><td>{{printf "%.6f" .Latency.Statement.P50Seconds}}</td></tr>
<tr><th>statement p99 (s)</th><td>{{printf "%.6f" .Latency.Statement.P99Seconds}}</td></tr>
<tr><th>wait p99 (s)</th><td>{{printf "%.6f" .Latency.Wait.P99Seconds}}</td></tr>
<tr><th>acquire timeouts</th><td>{{.AcquireTimeouts}}</td></tr>
<tr><th>waits cancelled</th><td>{{.WaitsCancelled}}</td></tr>
<tr><th>connections acquired</th><td>{{.Acquires}}</td></tr>
<tr><th>connections opened</th><td>{{.Opens}}</td></tr>
<tr><th>open failures</th><td>{{.OpenFailures}}</td></tr>
{{range $cause, $n := .Closes}}<tr><th>closed: {{$cause}}</th><td>{{$n}}</td></tr>
{{end}}<tr><th>retried (never sent)</th><td>{{.Retried}}</td></tr>
<tr><th>lost (ErrConnectionLost)</th><td>{{.Lost}}</td></tr>
<tr><th>fast failures</th><td>{{.FastFailures}}</td></tr>
</table>
<p><a href="/stats.json">as JSON</a> · <a href="/metrics">Prometheus</a> · <a href="/">index</a></p>
`))

// stats shows the pool's live statistics and its recent history,
// refreshing every two seconds so that stretching, queueing and shrinking
// can be watched.
func (a *app) stats(w http.ResponseWriter, r *http.Request) {
	s := newPoolStats(a.db.Stats())
	samples := a.history.samples()
	s.Chart, s.LatencyChart = poolPlot.svg(samples), latencyPlot.svg(samples)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	statsTemplate.Execute(w, s)
}

// statsJSON is stats for programs.
func (a *app) statsJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(newPoolStats(a.db.Stats()))
}
