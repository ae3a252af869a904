package bench

import "fmt"

// The targets the pool is held to.
const (
	// minThroughputVsSQL: pool throughput on W1, as a fraction of
	// database/sql's, at every concurrency.
	minThroughputVsSQL = 0.95
	// maxExtraAllocs: allocations per Execute beyond database/sql's.
	maxExtraAllocs = 5
	// maxFutureRatio: future.Go plus Await against a bare goroutine and
	// channel.
	maxFutureRatio = 1.5
)

func targets(r *Report) []Target {
	var ts []Target
	for _, w := range workloads {
		if w.id != "W1" {
			continue
		}
		pool, ok1 := r.Result(w.key(), ClientPool)
		base, ok2 := r.Result(w.key(), ClientSQL)
		if !ok1 || !ok2 {
			continue
		}
		ts = append(ts, Target{
			Name: fmt.Sprintf("%s pool throughput vs sql+pgx", w.key()),
			Want: fmt.Sprintf(">= %.2f", minThroughputVsSQL),
			Got:  fmt.Sprintf("%.3f", pool.ThroughputVsSQL),
			Met:  pool.ThroughputVsSQL >= minThroughputVsSQL,
		}, Target{
			Name: fmt.Sprintf("%s pool allocations per Execute", w.key()),
			Want: fmt.Sprintf("<= sql+pgx + %d = %.1f", maxExtraAllocs, base.AllocsPerOp+maxExtraAllocs),
			Got:  fmt.Sprintf("%.1f", pool.AllocsPerOp),
			Met:  pool.AllocsPerOp <= base.AllocsPerOp+maxExtraAllocs,
		})
	}
	ts = append(ts, Target{
		Name: "future.Go + Await vs goroutine + channel",
		Want: fmt.Sprintf("<= %.1f×", maxFutureRatio),
		Got:  fmt.Sprintf("%.2f× (%.0f ns vs %.0f ns)", r.Future.Ratio, r.Future.GoAwaitNs, r.Future.BareNs),
		Met:  r.Future.Ratio <= maxFutureRatio,
	})
	return ts
}
