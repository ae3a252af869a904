package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/momoko-go/momoko/pool"
)

// One large result read once by each way of reading it: pgx's own Rows,
// the pool's stream and the pool's buffered Cursor. What it costs in time,
// CPU and memory at its peak.

const (
	bigResultQuery = "SELECT g, 'row ' || g FROM generate_series(1, 1000000) AS g"
	bigRowCount    = 1_000_000
)

// The readers of the large result, in table order.
const (
	BigPGXRows    = "pgx Rows"
	BigPoolStream = "pool Stream"
	BigPoolCursor = "pool Execute (buffered Cursor)"
)

var bigReaderNames = []string{BigPGXRows, BigPoolStream, BigPoolCursor}

// BigResult is the large result read by one reader; every figure is a
// median over rounds.
type BigResult struct {
	Reader     string  `json:"reader"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakHeapMiB is the most the live heap grew over what it held before
	// the read began (sampled every 2 ms).
	PeakHeapMiB float64 `json:"peak_heap_mib"`
}

type bigSample struct {
	elapsed, cpu time.Duration
	peakHeap     uint64
}

// bigReader reads the large result and returns how many rows it read.
type bigReader func(ctx context.Context) (int64, error)

func bigReaders(clients map[string]client) map[string]bigReader {
	p := clients[ClientPool].(poolClient).p
	pgxp := clients[ClientPGXPool].(pgxpoolClient).p
	return map[string]bigReader{
		BigPGXRows:    func(ctx context.Context) (int64, error) { return readPGXRows(ctx, pgxp) },
		BigPoolStream: func(ctx context.Context) (int64, error) { return readPoolStream(ctx, p) },
		BigPoolCursor: func(ctx context.Context) (int64, error) { return readPoolCursor(ctx, p) },
	}
}

func readPGXRows(ctx context.Context, p *pgxpool.Pool) (int64, error) {
	rows, err := p.Query(ctx, bigResultQuery)
	if err != nil {
		return 0, err
	}
	return countRows(rows)
}

func readPoolStream(ctx context.Context, p *pool.Pool) (int64, error) {
	rows, err := p.Stream(ctx, bigResultQuery).Await(ctx)
	if err != nil {
		return 0, err
	}
	return countRows(rows)
}

func countRows(rows pgx.Rows) (int64, error) {
	defer rows.Close()
	var count, n int64
	var text string
	for rows.Next() {
		if err := rows.Scan(&n, &text); err != nil {
			return count, err
		}
		count++
	}
	return count, rows.Err()
}

func readPoolCursor(ctx context.Context, p *pool.Pool) (int64, error) {
	cur, err := p.Execute(ctx, bigResultQuery).Await(ctx)
	if err != nil {
		return 0, err
	}
	var count, n int64
	var text string
	for {
		err := cur.FetchOne(&n, &text)
		if errors.Is(err, sql.ErrNoRows) {
			return count, nil
		}
		if err != nil {
			return count, err
		}
		count++
	}
}

// measureBig reads the large result once through read.
func measureBig(ctx context.Context, name string, read bigReader) (bigSample, error) {
	runtime.GC()
	base := liveHeap()
	var peak atomic.Uint64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if h := liveHeap(); h > base && h-base > peak.Load() {
					peak.Store(h - base)
				}
			}
		}
	}()
	cpuBefore := cpuTime()
	began := time.Now()
	n, err := read(ctx)
	s := bigSample{elapsed: time.Since(began), cpu: cpuTime() - cpuBefore}
	close(stop)
	<-stopped
	s.peakHeap = peak.Load()
	if err == nil && n != bigRowCount {
		err = fmt.Errorf("read %d rows, want %d", n, bigRowCount)
	}
	if err != nil {
		return s, fmt.Errorf("bench: the large result through %s: %w", name, err)
	}
	return s, nil
}

// liveHeap is the bytes of heap objects, live or not yet swept.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func buildBigResults(samples map[string][]bigSample) []BigResult {
	var out []BigResult
	for _, name := range bigReaderNames {
		s := samples[name]
		if len(s) == 0 {
			continue
		}
		out = append(out, BigResult{
			Reader:      name,
			Seconds:     median(s, func(x bigSample) float64 { return x.elapsed.Seconds() }),
			CPUSeconds:  median(s, func(x bigSample) float64 { return x.cpu.Seconds() }),
			PeakHeapMiB: median(s, func(x bigSample) float64 { return float64(x.peakHeap) / (1 << 20) }),
		})
	}
	return out
}
