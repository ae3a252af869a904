package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/momoko-go/momoko/integration/pgserver"
)

// Config says how long to measure. The zero value of every field means
// its default.
type Config struct {
	// Rounds is how many times every workload runs through every client;
	// the report gives medians over rounds. Default 7.
	Rounds int
	// RoundTime is how long one client runs one workload in one round.
	// Default 1s.
	RoundTime time.Duration
	// Warmup is how long each client runs each workload, unmeasured,
	// before the first round: connections open, statement caches fill.
	// Default 300ms; negative means none.
	Warmup time.Duration
	// FutureTime is how long each side of the future overhead comparison
	// runs in one round. Default 250ms.
	FutureTime time.Duration
	// BigResultRounds is how many times each reader reads the large
	// result (a million rows) once the workloads are measured. Default 3;
	// negative means none.
	BigResultRounds int
	// Logf receives progress, one line per round. Default: discarded.
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() Config {
	if c.Rounds <= 0 {
		c.Rounds = 7
	}
	if c.RoundTime <= 0 {
		c.RoundTime = time.Second
	}
	switch {
	case c.Warmup == 0:
		c.Warmup = 300 * time.Millisecond
	case c.Warmup < 0:
		c.Warmup = 0
	}
	if c.FutureTime <= 0 {
		c.FutureTime = 250 * time.Millisecond
	}
	if c.BigResultRounds == 0 {
		c.BigResultRounds = 3
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

// Run starts a PostgreSQL server of its own, measures every workload
// through every client on a fresh database, and stops the server.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	srv, err := pgserver.Start(ctx, pgserver.Options{Settings: map[string]string{"max_connections": "100"}})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	name, err := srv.CreateDatabase(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := RunDSN(ctx, srv.DatabaseDSN(name), cfg)
	if rep != nil {
		rep.Machine.Server = srv.Kind()
	}
	return rep, err
}

// RunDSN measures every workload through every client on the database at
// dsn, which must accept 4 × 8 connections at once. It creates the table
// the INSERT workload fills.
func RunDSN(ctx context.Context, dsn string, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := prepare(ctx, dsn); err != nil {
		return nil, err
	}
	clients := make(map[string]client, len(clientNames))
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for _, name := range clientNames {
		c, err := openClient(ctx, name, dsn)
		if err != nil {
			return nil, fmt.Errorf("bench: opening %s: %w", name, err)
		}
		clients[name] = c
	}
	machine, err := describeMachine(ctx, clients[ClientSQL].(sqlClient).db)
	if err != nil {
		return nil, err
	}

	if cfg.Warmup > 0 {
		for _, w := range workloads {
			for _, name := range clientNames {
				if _, err := runWorkload(ctx, w, name, clients[name], cfg.Warmup); err != nil {
					return nil, err
				}
			}
		}
	}
	samples := newSampleSet()
	var futures []futureRound
	for r := range cfg.Rounds {
		began := time.Now()
		for wi, w := range workloads {
			for k := range clientNames {
				name := clientNames[(k+r)%len(clientNames)]
				s, err := runWorkload(ctx, w, name, clients[name], cfg.RoundTime)
				if err != nil {
					return nil, err
				}
				samples.add(wi, name, s)
			}
		}
		futures = append(futures, measureFutures(cfg.FutureTime, r%2 == 1))
		cfg.Logf("round %d/%d done in %v", r+1, cfg.Rounds, time.Since(began).Round(time.Millisecond))
	}
	big := map[string][]bigSample{}
	readers := bigReaders(clients)
	for r := range max(cfg.BigResultRounds, 0) {
		for k := range bigReaderNames {
			name := bigReaderNames[(k+r)%len(bigReaderNames)]
			s, err := measureBig(ctx, name, readers[name])
			if err != nil {
				return nil, err
			}
			big[name] = append(big[name], s)
		}
		cfg.Logf("large result, round %d/%d done", r+1, cfg.BigResultRounds)
	}
	rep := buildReport(machine, cfg, samples, futures, buildBigResults(big))
	return rep, nil
}

func runWorkload(ctx context.Context, w workload, name string, c client, d time.Duration) (*sample, error) {
	s, err := measure(ctx, w.callers, d, func(ctx context.Context) error { return w.op(c, ctx) })
	if err != nil {
		return nil, fmt.Errorf("bench: %s through %s: %w", w.key(), name, err)
	}
	return s, nil
}

// futureRound is one round of the future overhead comparison.
type futureRound struct{ future, bare loopSample }

// measureFutures measures both sides, the bare goroutine first unless
// futureFirst, so that neither always runs on a warmer machine.
func measureFutures(d time.Duration, futureFirst bool) futureRound {
	var fr futureRound
	if futureFirst {
		fr.future = measureLoop(d, goAwait)
		fr.bare = measureLoop(d, bareGoroutine)
	} else {
		fr.bare = measureLoop(d, bareGoroutine)
		fr.future = measureLoop(d, goAwait)
	}
	return fr
}
