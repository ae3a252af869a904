package pool_test

import (
	"context"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// heapPeak samples the heap's objects (live and not yet collected) every
// millisecond until stopped, and returns the highest sample above the
// first, in MiB.
func heapPeak() (stop func() float64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	peak := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				peak = max(peak, read())
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		peak = max(peak, read())
		return float64(peak-base) / (1 << 20)
	}
}

func scanNumbered(row pgx.CollectableRow) (numbered, error) {
	var n numbered
	err := row.Scan(&n.N, &n.Text)
	return n, err
}

// BenchmarkStream reads a result of 1000 and of a million rows of (int,
// text), one Scan of both columns per row: through Each (the pool's
// streaming rows), through pgx's own rows on a plain pgx.Conn to the same
// database, and through Execute's buffered cursor. peak-heap-MiB is the
// most the heap held above where it started during the run, garbage
// included.
func BenchmarkStream(b *testing.B) {
	ctx := context.Background()
	dsn := pgtest.Shared(b).NewDatabase(b)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	const query = "SELECT g, 'row ' || g FROM (SELECT generate_series(1, $1::int) g) s"
	for _, rows := range []int{1000, 1_000_000} {
		check := func(b *testing.B, n int, sum int64) {
			if n != rows || sum != int64(rows)*int64(rows+1)/2 {
				b.Fatalf("%d rows summing to %d, want %d", n, sum, rows)
			}
		}
		b.Run("rows="+strconv.Itoa(rows)+"/each", func(b *testing.B) {
			b.ReportAllocs()
			stop := heapPeak()
			for b.Loop() {
				n, sum := 0, int64(0)
				for v, err := range pool.Each(ctx, p, scanNumbered, query, rows) {
					if err != nil {
						b.Fatal(err)
					}
					n++
					sum += v.N
				}
				check(b, n, sum)
			}
			b.ReportMetric(stop(), "peak-heap-MiB")
		})
		b.Run("rows="+strconv.Itoa(rows)+"/pgx", func(b *testing.B) {
			b.ReportAllocs()
			stop := heapPeak()
			for b.Loop() {
				r, err := conn.Query(ctx, query, rows)
				if err != nil {
					b.Fatal(err)
				}
				n, sum := 0, int64(0)
				var v numbered
				for r.Next() {
					if err := r.Scan(&v.N, &v.Text); err != nil {
						b.Fatal(err)
					}
					n++
					sum += v.N
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				check(b, n, sum)
			}
			b.ReportMetric(stop(), "peak-heap-MiB")
		})
		b.Run("rows="+strconv.Itoa(rows)+"/execute", func(b *testing.B) {
			b.ReportAllocs()
			stop := heapPeak()
			for b.Loop() {
				cur, err := p.Execute(ctx, query, rows).Await(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n, sum := 0, int64(0)
				var v numbered
				for cur.Len() > 0 {
					if err := cur.FetchOne(&v.N, &v.Text); err != nil {
						b.Fatal(err)
					}
					n++
					sum += v.N
				}
				check(b, n, sum)
			}
			b.ReportMetric(stop(), "peak-heap-MiB")
		})
	}
}
