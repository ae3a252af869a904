// Command tutorial is Momoko's tutorial as a net/http application: every
// handler of the Python tutorial, ported to the Go pool and its futures.
//
// Usage:
//
//	go run ./examples/tutorial                 # throwaway PostgreSQL, serve on 127.0.0.1:8080
//	go run ./examples/tutorial -dsn postgres://app@db/app
//	go run ./examples/tutorial -selftest       # request every page once and exit
//	go run ./examples/tutorial -load 24        # and keep 24 callers busy, to watch /stats
//
// Without -dsn or MOMOKO_DSN it starts a throwaway PostgreSQL server (local
// binaries, see package pgserver) and removes it on exit. Against a
// real server it creates the schema momoko_tutorial and the hstore extension
// if they are missing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// envDSN names the environment variable that stands in for -dsn.
const envDSN = "MOMOKO_DSN"

// config is what the command line decides.
type config struct {
	dsn      string // empty: start a throwaway server
	addr     string
	selftest bool
	load     int // callers to keep busy while serving
}

func main() {
	var cfg config
	// The environment is read after parsing, not used as the flag's
	// default, so that -help never prints a password.
	flag.StringVar(&cfg.dsn, "dsn", "", "PostgreSQL DSN (default $"+envDSN+"; neither starts a throwaway server)")
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to serve on (-selftest: a free port unless given)")
	flag.BoolVar(&cfg.selftest, "selftest", false, "request every page once, print the responses and exit")
	flag.IntVar(&cfg.load, "load", 0, "callers running statements until exit, half of them slow, so that /stats shows the pool stretch, queue and pipeline")
	flag.Parse()
	if cfg.dsn == "" {
		cfg.dsn = os.Getenv(envDSN)
	}
	if cfg.selftest && !flagGiven("addr") {
		cfg.addr = "127.0.0.1:0" // a selftest must not collide with a running tutorial
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tutorial:", err)
		stop()
		os.Exit(1)
	}
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// run gets a database, serves the tutorial until ctx is done (or, with
// selftest, until every page was checked) and then shuts everything down in
// reverse order: HTTP server, pool, throwaway database server.
func run(ctx context.Context, cfg config, out io.Writer) (err error) {
	dsn, closeServer, err := database(ctx, cfg.dsn, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeServer(); err == nil {
			err = cerr
		}
	}()

	a, err := newApp(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.close(); err == nil {
			err = cerr
		}
	}()

	srv, err := listen(cfg.addr, a.routes())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := srv.shutdown(); err == nil {
			err = cerr
		}
	}()
	fmt.Fprintf(out, "serving %s\n", srv.url)

	if cfg.load > 0 {
		stopLoad := a.load(ctx, cfg.load)
		defer stopLoad()
		fmt.Fprintf(out, "%d callers at work: watch %sstats\n", cfg.load, srv.url)
	}
	if cfg.selftest {
		return selftest(ctx, srv.url, a.secret, out)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "shutting down")
		return nil
	case err := <-srv.failed:
		return err
	}
}
