package bench

import (
	"encoding/json"
	"io"
	"time"
)

// Report is the outcome of a run; its JSON form is for tracking results
// over time.
type Report struct {
	Machine Machine `json:"machine"`
	// Rounds is how many interleaved rounds the medians are taken over.
	Rounds int `json:"rounds"`
	// RoundSeconds is how long one client ran one workload in one round.
	RoundSeconds float64 `json:"round_seconds"`
	// MaxConns is every client's connection limit.
	MaxConns int            `json:"max_conns"`
	Results  []Result       `json:"results"`
	Future   FutureOverhead `json:"future_overhead"`
	// BigResult is a million-row result read once by each reader.
	BigResult []BigResult `json:"big_result,omitempty"`
	Targets   []Target    `json:"targets"`
}

// Result is one workload run through one client; every figure is a median
// over rounds.
type Result struct {
	Workload string `json:"workload"` // "W1/c16": workload and concurrent callers
	What     string `json:"what"`
	Callers  int    `json:"callers"`
	// Unit is what one operation is: a query, a request, a result or a
	// transaction.
	Unit           string  `json:"unit"`
	Client         string  `json:"client"`
	OpsPerSec      float64 `json:"ops_per_sec"`
	P50Micros      float64 `json:"p50_us"`
	P99Micros      float64 `json:"p99_us"`
	CPUMicrosPerOp float64 `json:"cpu_us_per_op"`
	AllocsPerOp    float64 `json:"allocs_per_op"`
	// ThroughputVsSQL and ThroughputVsPGXPool are this client's ops/s
	// divided by sql+pgx's and pgxpool's in the same round.
	ThroughputVsSQL     float64 `json:"throughput_vs_sql"`
	ThroughputVsPGXPool float64 `json:"throughput_vs_pgxpool"`
	// CPUVsSQL is this client's CPU per operation divided by sql+pgx's in
	// the same round.
	CPUVsSQL float64 `json:"cpu_vs_sql"`
	// RoundOpsPerSec is the throughput of every round, to show the spread.
	RoundOpsPerSec []float64 `json:"round_ops_per_sec"`
}

// FutureOverhead compares future.Go plus Await with a bare goroutine and
// channel doing the same work.
type FutureOverhead struct {
	GoAwaitNs      float64   `json:"go_await_ns"`
	BareNs         float64   `json:"bare_goroutine_ns"`
	GoAwaitAllocs  float64   `json:"go_await_allocs"`
	BareAllocs     float64   `json:"bare_goroutine_allocs"`
	Ratio          float64   `json:"ratio"` // GoAwaitNs / BareNs, paired by round
	RoundGoAwaitNs []float64 `json:"round_go_await_ns"`
	RoundBareNs    []float64 `json:"round_bare_goroutine_ns"`
}

// Target is one of the performance targets the pool is held to.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Result returns the result of workload (such as "W1/c16") through client,
// and whether there is one.
func (r *Report) Result(workload, client string) (Result, bool) {
	for _, res := range r.Results {
		if res.Workload == workload && res.Client == client {
			return res, true
		}
	}
	return Result{}, false
}

func buildReport(m Machine, cfg Config, ss sampleSet, futures []futureRound, big []BigResult) *Report {
	r := &Report{
		Machine:      m,
		Rounds:       cfg.Rounds,
		RoundSeconds: cfg.RoundTime.Seconds(),
		MaxConns:     maxConns,
		BigResult:    big,
	}
	opsPerSec := (*sample).opsPerSec
	cpu := func(s *sample) float64 { return float64(s.cpuPerOp()) }
	micros := func(q float64) func(*sample) float64 {
		return func(s *sample) float64 { return float64(s.latency.quantile(q)) / float64(time.Microsecond) }
	}
	for wi, w := range workloads {
		byClient := ss[wi]
		for _, name := range clientNames {
			s := byClient[name]
			res := Result{
				Workload:            w.key(),
				What:                w.what,
				Callers:             w.callers,
				Unit:                w.unit,
				Client:              name,
				OpsPerSec:           median(s, opsPerSec),
				P50Micros:           median(s, micros(0.50)),
				P99Micros:           median(s, micros(0.99)),
				CPUMicrosPerOp:      median(s, cpu) / float64(time.Microsecond),
				AllocsPerOp:         median(s, (*sample).allocsPerOp),
				ThroughputVsSQL:     pairedRatio(s, byClient[ClientSQL], opsPerSec),
				ThroughputVsPGXPool: pairedRatio(s, byClient[ClientPGXPool], opsPerSec),
				CPUVsSQL:            pairedRatio(s, byClient[ClientSQL], cpu),
			}
			for _, x := range s {
				res.RoundOpsPerSec = append(res.RoundOpsPerSec, x.opsPerSec())
			}
			r.Results = append(r.Results, res)
		}
	}
	r.Future = FutureOverhead{
		GoAwaitNs:     median(futures, func(f futureRound) float64 { return f.future.nsPerOp }),
		BareNs:        median(futures, func(f futureRound) float64 { return f.bare.nsPerOp }),
		GoAwaitAllocs: median(futures, func(f futureRound) float64 { return f.future.allocsPerOp }),
		BareAllocs:    median(futures, func(f futureRound) float64 { return f.bare.allocsPerOp }),
	}
	ratios := make([]float64, len(futures))
	for i, f := range futures {
		ratios[i] = f.future.nsPerOp / f.bare.nsPerOp
		r.Future.RoundGoAwaitNs = append(r.Future.RoundGoAwaitNs, f.future.nsPerOp)
		r.Future.RoundBareNs = append(r.Future.RoundBareNs, f.bare.nsPerOp)
	}
	r.Future.Ratio = median(ratios, func(x float64) float64 { return x })
	r.Targets = targets(r)
	return r
}
