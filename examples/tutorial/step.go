package main

import (
	"bytes"
	"html/template"
	"net/http"
)

// The head is one line so that the selftest's printout of the first
// lines of a page reaches the step's output.
var stepTemplate = template.Must(template.New("step").Parse(`<!doctype html><title>{{.Title}} · Momoko tutorial</title><style>body{font-family:sans-serif} pre{background:#f4f4f4;padding:1em}</style>
<p><a href="/">← Momoko tutorial</a></p>
<h1>{{.Title}}</h1>
{{if .Err}}<p>The step failed:</p>
<pre>{{.Err}}</pre>
{{else}}<pre>{{.Output}}</pre>
{{end}}<p>{{with .Next}}Next: <a href="{{.Path}}">{{.Title}}</a> · {{end}}<a href="/">index</a></p>
`))

// stepPage is what a step's page shows: the output the handler wrote,
// or its error.
type stepPage struct {
	Title, Output, Err string
	Next               *link // where the tour goes on, nil for nowhere
}

// step serves p's page: its output, escaped, with links back to the
// index and on to next (if not nil); its error with status 500. The
// output is buffered so that a failure halfway never reaches the client
// as a 200 with half a page.
func (a *app) step(p page, next *link) http.Handler {
	blank := stepPage{Title: p.title, Next: next}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var out bytes.Buffer
		shown := blank
		if err := p.write(a, r.Context(), &out); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			shown.Err = err.Error()
		} else {
			shown.Output = out.String()
		}
		stepTemplate.Execute(w, shown)
	})
}
