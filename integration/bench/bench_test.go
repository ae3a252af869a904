package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
)

// The standard benchmarks run one client on one workload, for profiling
// and benchstat; ns/op is wall time per operation, the inverse of
// throughput. The interleaved comparison is cmd/momoko-bench.
//
//	go test -run '^$' -bench 'W1' -benchmem ./integration/bench

func BenchmarkW1Pool(b *testing.B)       { benchWorkload(b, "W1", ClientPool) }
func BenchmarkW1PoolNoPipe(b *testing.B) { benchWorkload(b, "W1", ClientPoolNoPipe) }
func BenchmarkW1PoolTraced(b *testing.B) { benchWorkload(b, "W1", ClientPoolTraced) }
func BenchmarkW1SQL(b *testing.B)        { benchWorkload(b, "W1", ClientSQL) }
func BenchmarkW1PGXPool(b *testing.B)    { benchWorkload(b, "W1", ClientPGXPool) }
func BenchmarkW1SQLMomoko(b *testing.B)  { benchWorkload(b, "W1", ClientSQLMomoko) }

func BenchmarkW2Pool(b *testing.B)      { benchWorkload(b, "W2", ClientPool) }
func BenchmarkW2SQL(b *testing.B)       { benchWorkload(b, "W2", ClientSQL) }
func BenchmarkW2PGXPool(b *testing.B)   { benchWorkload(b, "W2", ClientPGXPool) }
func BenchmarkW2SQLMomoko(b *testing.B) { benchWorkload(b, "W2", ClientSQLMomoko) }

func BenchmarkW3Pool(b *testing.B)      { benchWorkload(b, "W3", ClientPool) }
func BenchmarkW3SQL(b *testing.B)       { benchWorkload(b, "W3", ClientSQL) }
func BenchmarkW3PGXPool(b *testing.B)   { benchWorkload(b, "W3", ClientPGXPool) }
func BenchmarkW3SQLMomoko(b *testing.B) { benchWorkload(b, "W3", ClientSQLMomoko) }

func BenchmarkW4Pool(b *testing.B)      { benchWorkload(b, "W4", ClientPool) }
func BenchmarkW4SQL(b *testing.B)       { benchWorkload(b, "W4", ClientSQL) }
func BenchmarkW4PGXPool(b *testing.B)   { benchWorkload(b, "W4", ClientPGXPool) }
func BenchmarkW4SQLMomoko(b *testing.B) { benchWorkload(b, "W4", ClientSQLMomoko) }

func BenchmarkFutureGoAwait(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loopSink = goAwait()
	}
}

func BenchmarkBareGoroutineChannel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loopSink = bareGoroutine()
	}
}

// benchWorkload runs workload id through the named client, one
// sub-benchmark per number of callers.
func benchWorkload(b *testing.B, id, clientName string) {
	ctx := context.Background()
	dsn := pgtest.Shared(b).NewDatabase(b)
	if err := prepare(ctx, dsn); err != nil {
		b.Fatal(err)
	}
	c, err := openClient(ctx, clientName, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	for _, w := range workloads {
		if w.id != id {
			continue
		}
		b.Run(fmt.Sprintf("callers=%d", w.callers), func(b *testing.B) {
			runOps(b, w.callers, func(ctx context.Context) error { return w.op(c, ctx) })
		})
	}
}

// runOps runs b.N operations shared among callers goroutines. Their
// context can be cancelled, as a request's can, which costs database/sql
// and pgx a little per query, as it does in the harness.
func runOps(b *testing.B, callers int, op func(context.Context) error) {
	b.ReportAllocs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range callers {
		wg.Go(func() {
			<-start
			for next.Add(1) <= int64(b.N) {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ResetTimer()
	close(start)
	wg.Wait()
}
