package main

import (
	"html/template"
	"net/http"
)

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<title>Momoko tutorial</title>
<style>body{font-family:sans-serif}</style>
<h1>Momoko tutorial</h1>
<ul>
{{range .}}<li><a href="{{.Path}}">{{.Title}}</a></li>
{{end}}</ul>
`))

// link is one entry of the index.
type link struct{ Path, Title string }

// index links to every page.
func (a *app) index(w http.ResponseWriter, r *http.Request) {
	links := make([]link, 0, len(pages)+3)
	for _, p := range pages {
		links = append(links, link{p.path, p.title})
	}
	links = append(links, link{"/stats", "Pool statistics"}, link{"/stats.json", "Pool statistics as JSON"},
		link{"/metrics", "Pool metrics for Prometheus"})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	indexTemplate.Execute(w, links)
}
