package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/momoko-go/momoko/pool"
)

// poolOptions are the tutorial's pool settings: two connections kept open,
// stretching to ten under load (the parallel page needs three at once) and
// shrinking back after half a minute idle, which /stats shows live.
var poolOptions = pool.Options{
	Size:         2,
	MaxSize:      10,
	AutoShrink:   true,
	ShrinkDelay:  30 * time.Second,
	ShrinkPeriod: 10 * time.Second,
}

// app is the tutorial application: the pool every handler shares, as
// Momoko's tutorial kept it on application.db.
type app struct {
	db      *pool.Pool
	secret  string // the DSN's password, which no page may show
	history *history
	stop    func() // stops sampling the history and waits for it
}

// newApp opens the pool and prepares the database for the pages.
func newApp(ctx context.Context, dsn string) (*app, error) {
	db, err := pool.Open(ctx, dsn, poolOptions)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, secret: password(dsn)}
	if err := a.setup(ctx); err != nil {
		db.Close()
		return nil, err
	}
	watchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h, done := watch(watchCtx, db)
	a.history, a.stop = h, func() { cancel(); <-done }
	return a, nil
}

func (a *app) close() error {
	a.stop()
	return a.db.Close()
}

// password is the password of a URL DSN, "" for other forms: the selftest
// checks that no page shows it.
func password(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// page is one step of the tutorial: its handler writes plain text, which
// step shows on a page.
type page struct {
	path  string
	title string
	want  string // text the selftest expects the page to show
	write func(a *app, ctx context.Context, w io.Writer) error
}

// pages are the tutorial's steps in the order of Momoko's tutorial.
var pages = []page{
	{"/query", "A single query", "Results: 1", (*app).query},
	{"/parallel", "Three queries in parallel", "Q3: [[3]]", (*app).parallel},
	{"/transaction", "A transaction", "INSERT 0 2", (*app).transaction},
	{"/callproc", "Calling a function", "= 42", (*app).callproc},
	{"/mogrify", "Mogrify", "'O''Reilly'", (*app).mogrify},
	{"/cursor", "Server-side cursor on a connection of one's own", "sum 500500", (*app).cursor},
	{"/hstore", "hstore", "colour=red", (*app).hstore},
	{"/json", "json and jsonb", "name=Ada", (*app).json},
}

// routes maps every page, the index and the statistics.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	for i, p := range pages {
		next := &link{"/stats", "Pool statistics"} // where the tour ends
		if i+1 < len(pages) {
			next = &link{pages[i+1].path, pages[i+1].title}
		}
		mux.Handle("GET "+p.path, a.step(p, next))
	}
	mux.HandleFunc("GET /stats", a.stats)
	mux.HandleFunc("GET /stats.json", a.statsJSON)
	mux.HandleFunc("GET /metrics", a.metrics)
	return mux
}
