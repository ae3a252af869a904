package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// BenchmarkMaxWaiting overloads a pool steadily: 32 callers on 2
// connections, each statement taking 2ms, without a limit on the line and
// with MaxWaiting 4. It reports the latency of the calls that ran
// (admitted-p50-ms, admitted-p99-ms), of those refused (refused-p50-µs,
// refused-p99-µs), and the share refused. A refused caller backs off for
// one statement's time before calling again, as a client would.
func BenchmarkMaxWaiting(b *testing.B) {
	ctx := context.Background()
	dsn := pgtest.Shared(b).NewDatabase(b)
	for _, limit := range []int{0, 4} {
		b.Run(fmt.Sprintf("max_waiting=%d", limit), func(b *testing.B) {
			p, err := pool.Open(ctx, dsn, pool.Options{Size: 2, MaxSize: 2, MaxWaiting: limit})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			var mu sync.Mutex
			var ran, refused []time.Duration
			b.SetParallelism(16) // 32 callers on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				var mine, shed []time.Duration
				for pb.Next() {
					start := time.Now()
					_, err := p.Execute(ctx, "SELECT pg_sleep(0.002)").Await(ctx)
					took := time.Since(start)
					switch {
					case err == nil:
						mine = append(mine, took)
					case errors.Is(err, pool.ErrTooManyWaiting):
						shed = append(shed, took)
						time.Sleep(2 * time.Millisecond) // the client's back-off, not a wait for a condition
					default:
						b.Error(err)
						return
					}
				}
				mu.Lock()
				ran, refused = append(ran, mine...), append(refused, shed...)
				mu.Unlock()
			})
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
			b.ReportMetric(ms(nearestRank(ran, 50)), "admitted-p50-ms")
			b.ReportMetric(ms(nearestRank(ran, 99)), "admitted-p99-ms")
			b.ReportMetric(us(nearestRank(refused, 50)), "refused-p50-µs")
			b.ReportMetric(us(nearestRank(refused, 99)), "refused-p99-µs")
			b.ReportMetric(float64(len(refused))/float64(max(len(ran)+len(refused), 1)), "refused/op")
		})
	}
}
