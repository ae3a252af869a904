// Command momoko-bench measures the pool against database/sql with the pgx
// stdlib driver and against pgxpool, on a PostgreSQL server it starts
// itself, and prints a Markdown table:
//
//	go run ./integration/bench/cmd/momoko-bench [-json report.json]
//
// See package bench for the workloads and the method.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/momoko-go/momoko/integration/bench"
)

func main() {
	var cfg bench.Config
	jsonPath := flag.String("json", "", "also write the report as JSON to this file (- for stdout, instead of the table)")
	flag.IntVar(&cfg.Rounds, "rounds", 0, "interleaved rounds; 0 means the default, 7")
	flag.DurationVar(&cfg.RoundTime, "round", 0, "time per client and workload in one round; 0 means the default, 1s")
	flag.DurationVar(&cfg.Warmup, "warmup", 0, "unmeasured time per client and workload first; 0 means the default, 300ms")
	flag.IntVar(&cfg.BigResultRounds, "big", 0, "rounds of reading a million-row result once per reader; 0 means the default, 3; negative, none")
	flag.Parse()
	log.SetFlags(0)
	cfg.Logf = log.Printf

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, *jsonPath); err != nil {
		log.Print(err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg bench.Config, jsonPath string) error {
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	switch jsonPath {
	case "":
		return rep.WriteTable(os.Stdout)
	case "-":
		return rep.WriteJSON(os.Stdout)
	}
	f, err := os.Create(jsonPath)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", jsonPath, err)
	}
	return rep.WriteTable(os.Stdout)
}
