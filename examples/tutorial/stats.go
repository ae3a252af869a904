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

	// database/sql's own view of the same connections.
	OpenConnections int   `json:"open_connections"`
	WaitCount       int64 `json:"wait_count"`
	MaxIdleClosed   int64 `json:"max_idle_closed"`
	MaxLifeClosed   int64 `json:"max_lifetime_closed"`
}

func newPoolStats(s pool.Stats) poolStats {
	return poolStats{
		Free: s.Free, Busy: s.Busy, Dead: s.Dead, Pending: s.Pending, Waiting: s.Waiting,
		Total: s.Total, Size: s.Size, MaxSize: s.MaxSize, Closed: s.Closed, Repr: s.String(),
		OpenConnections: s.DB.OpenConnections, WaitCount: s.DB.WaitCount,
		MaxIdleClosed: s.DB.MaxIdleClosed, MaxLifeClosed: s.DB.MaxLifetimeClosed,
	}
}

var statsTemplate = template.Must(template.New("stats").Parse(`<!doctype html>
<meta http-equiv="refresh" content="2">
<title>Pool statistics</title>
<h1>Pool statistics</h1>
<p><code>{{.Repr}}</code></p>
<table>
<tr><th>free</th><td>{{.Free}}</td></tr>
<tr><th>busy</th><td>{{.Busy}}</td></tr>
<tr><th>dead</th><td>{{.Dead}}</td></tr>
<tr><th>pending</th><td>{{.Pending}}</td></tr>
<tr><th>waiting</th><td>{{.Waiting}}</td></tr>
<tr><th>total</th><td>{{.Total}}</td></tr>
<tr><th>size</th><td>{{.Size}}</td></tr>
<tr><th>max size</th><td>{{.MaxSize}}</td></tr>
<tr><th>closed</th><td>{{.Closed}}</td></tr>
<tr><th>open (database/sql)</th><td>{{.OpenConnections}}</td></tr>
<tr><th>waits (database/sql)</th><td>{{.WaitCount}}</td></tr>
</table>
<p><a href="/stats.json">as JSON</a> · <a href="/">index</a></p>
`))

// stats shows the pool's live statistics, refreshing every two seconds so
// that stretching and shrinking can be watched.
func (a *app) stats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	statsTemplate.Execute(w, newPoolStats(a.db.Stats()))
}

// statsJSON is stats for programs.
func (a *app) statsJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(newPoolStats(a.db.Stats()))
}
