package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// BenchmarkReplicaReads compares reads through Replica, spread over two
// standbys, with the same reads on the primary through the same pool:
// what routing costs per read, and how the reads spread. Each standby has
// half the primary's connections, so both sides have 8 at most. Every
// server runs on the same machine, so spreading buys no capacity here; on
// servers of their own it would.
func BenchmarkReplicaReads(b *testing.B) {
	ctx := context.Background()
	rs := newReplicated(b, ctx, 2)
	p, err := pool.Open(ctx, rs.primaryDSN(), pool.Options{Size: 4, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), Size: 2, MaxSize: 4, CheckPeriod: 100 * time.Millisecond,
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, c := range []struct {
		name string
		on   pool.Executor
	}{{"primary", p}, {"replica", p.Replica()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(8) // 16 callers on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.on.Execute(ctx, "SELECT 1").Await(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	st := p.Stats()
	b.Logf("reads per standby: %s %d, %s %d; on the primary by fallback %d",
		st.Replicas[0].Name, st.Replicas[0].Reads, st.Replicas[1].Name, st.Replicas[1].Reads, st.ReadsOnPrimary)
}

// BenchmarkReplicaReadsOnPrimary is what read-only costs a read through
// Replica that runs on the primary (no standbys, or FallbackToPrimary):
// each runs in a READ ONLY transaction of its own, against the same read
// through Execute, by one caller and by 16.
func BenchmarkReplicaReadsOnPrimary(b *testing.B) {
	ctx := context.Background()
	srv := pgtest.Shared(b)
	p, err := pool.Open(ctx, srv.NewDatabase(b), pool.Options{Size: 4, MaxSize: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, c := range []struct {
		name string
		on   pool.Executor
	}{{"execute", p}, {"replica", p.Replica()}} {
		b.Run(c.name+"/1", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.on.Execute(ctx, "SELECT 1").Await(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/16", func(b *testing.B) {
			b.SetParallelism(8) // 16 callers on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.on.Execute(ctx, "SELECT 1").Await(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
