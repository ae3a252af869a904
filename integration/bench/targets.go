package bench

import "fmt"

// The targets the pool is held to, as ratios to database/sql + pgx
// measured in the same rounds.
var (
	// minThroughputVsSQL is the pool's throughput per workload.
	minThroughputVsSQL = map[string]float64{
		"W1/c1": 1.0, "W1/c16": 1.5, "W1/c64": 2.0, "W2/c16": 1.5, "W3/c8": 1.6, "W4/c8": 2.0,
	}
	// maxCPUVsSQL is the pool's client CPU per operation, per workload.
	maxCPUVsSQL = map[string]float64{"W3/c8": 0.6}
)

const (
	// minNoPipeVsSQL: the pool without pipelining, on W1, at every
	// concurrency.
	minNoPipeVsSQL = 1.0
	// maxFutureRatio: future.Go plus Await against a bare goroutine and
	// channel.
	maxFutureRatio = 1.5
	// minTracedVsPool: the pool with a tracer that does nothing, against
	// the pool without one, on W1: what tracing costs in itself.
	minTracedVsPool = 0.95
	// minW4VsPGXBatch: the pool's transactions against pgx's own written
	// as one pgx.Batch, one round trip each.
	minW4VsPGXBatch = 1.0
	// maxStreamVsPGX: the pool's stream of a million rows, its time
	// against pgx's own Rows.
	maxStreamVsPGX = 1.3
	// maxStreamHeapMiB: the most the heap may grow while the pool streams
	// a million rows.
	maxStreamHeapMiB = 32
)

func targets(r *Report) []Target {
	var ts []Target
	for _, w := range workloads {
		key := w.key()
		pool, ok1 := r.Result(key, ClientPool)
		base, ok2 := r.Result(key, ClientSQL)
		if !ok1 || !ok2 {
			continue
		}
		if want, ok := minThroughputVsSQL[key]; ok {
			ts = append(ts, Target{
				Name: fmt.Sprintf("%s pool throughput vs sql+pgx", key),
				Want: fmt.Sprintf(">= %.1f", want),
				Got:  fmt.Sprintf("%.3f", pool.ThroughputVsSQL),
				Met:  pool.ThroughputVsSQL >= want,
			})
		}
		if want, ok := maxCPUVsSQL[key]; ok {
			ts = append(ts, Target{
				Name: fmt.Sprintf("%s pool client CPU per op vs sql+pgx", key),
				Want: fmt.Sprintf("<= %.1f", want),
				Got:  fmt.Sprintf("%.2f", pool.CPUVsSQL),
				Met:  pool.CPUVsSQL <= want,
			})
		}
		if w.id != "W1" {
			continue
		}
		ts = append(ts, Target{
			Name: fmt.Sprintf("%s pool allocations per Execute", key),
			Want: fmt.Sprintf("<= sql+pgx's %.1f", base.AllocsPerOp),
			Got:  fmt.Sprintf("%.1f", pool.AllocsPerOp),
			Met:  pool.AllocsPerOp <= base.AllocsPerOp,
		})
		if nopipe, ok := r.Result(key, ClientPoolNoPipe); ok {
			ts = append(ts, Target{
				Name: fmt.Sprintf("%s pool without pipelining, throughput vs sql+pgx", key),
				Want: fmt.Sprintf(">= %.1f", minNoPipeVsSQL),
				Got:  fmt.Sprintf("%.3f", nopipe.ThroughputVsSQL),
				Met:  nopipe.ThroughputVsSQL >= minNoPipeVsSQL,
			})
		}
		if traced, ok := r.Result(key, ClientPoolTraced); ok && pool.OpsPerSec > 0 {
			ratio := traced.OpsPerSec / pool.OpsPerSec
			ts = append(ts, Target{
				Name: fmt.Sprintf("%s pool with a no-op tracer, throughput vs without", key),
				Want: fmt.Sprintf(">= %.2f", minTracedVsPool),
				Got:  fmt.Sprintf("%.3f", ratio),
				Met:  ratio >= minTracedVsPool,
			})
		}
	}
	if pool, ok := r.Result("W4/c8", ClientPool); ok {
		if batch, ok := r.Result("W4/c8", ClientPGXBatch); ok && batch.OpsPerSec > 0 {
			ratio := pool.OpsPerSec / batch.OpsPerSec
			ts = append(ts, Target{
				Name: "W4/c8 pool throughput vs pgxpool with one pgx.Batch per transaction",
				Want: fmt.Sprintf(">= %.1f", minW4VsPGXBatch),
				Got:  fmt.Sprintf("%.3f", ratio),
				Met:  ratio >= minW4VsPGXBatch,
			})
		}
	}
	ts = append(ts, bigResultTargets(r)...)
	ts = append(ts, Target{
		Name: "future.Go + Await vs goroutine + channel",
		Want: fmt.Sprintf("<= %.1f×", maxFutureRatio),
		Got:  fmt.Sprintf("%.2f× (%.0f ns vs %.0f ns)", r.Future.Ratio, r.Future.GoAwaitNs, r.Future.BareNs),
		Met:  r.Future.Ratio <= maxFutureRatio,
	})
	return ts
}

func bigResultTargets(r *Report) []Target {
	var stream, pgxRows *BigResult
	for i := range r.BigResult {
		switch r.BigResult[i].Reader {
		case BigPoolStream:
			stream = &r.BigResult[i]
		case BigPGXRows:
			pgxRows = &r.BigResult[i]
		}
	}
	if stream == nil || pgxRows == nil || pgxRows.Seconds == 0 {
		return nil
	}
	ratio := stream.Seconds / pgxRows.Seconds
	return []Target{{
		Name: "a million rows streamed by the pool, time vs pgx's Rows",
		Want: fmt.Sprintf("<= %.1f×", maxStreamVsPGX),
		Got:  fmt.Sprintf("%.2f×", ratio),
		Met:  ratio <= maxStreamVsPGX,
	}, {
		Name: "a million rows streamed by the pool, peak heap growth",
		Want: fmt.Sprintf("< %d MiB", maxStreamHeapMiB),
		Got:  fmt.Sprintf("%.1f MiB", stream.PeakHeapMiB),
		Met:  stream.PeakHeapMiB < maxStreamHeapMiB,
	}}
}
