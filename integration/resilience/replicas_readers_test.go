package resilience_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// readTimeout is each replica read's deadline: far beyond what a read
// takes, so that a read running into it is a hang, not a slow read.
const readTimeout = 10 * time.Second

// readOp is one read through Pool.Replica and what became of it.
type readOp struct {
	reader     int
	start, end time.Time
	port       int // the server that ran it, when it succeeded
	err        error
	hung       bool // the future did not resolve within hangAfter of its deadline
}

// replicaReaders are goroutines reading through one pool's Replica view
// until stopped, recording every read.
type replicaReaders struct {
	pool    *pool.Pool
	readers int
	query   string // returns one row: a count and inet_server_port()
	// afterFailure is a reader's pause after a failed read: reads failing
	// with ErrNoReplica return at once, and 8 readers spinning on them
	// would starve a 2-core machine.
	afterFailure time.Duration

	completed atomic.Int64
	mu        sync.Mutex
	ops       []readOp

	stopCh   chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func (r *replicaReaders) start(ctx context.Context) {
	r.stopCh = make(chan struct{})
	for c := range r.readers {
		r.wg.Go(func() { r.reader(ctx, c) })
	}
}

// stop stops the readers and waits for them; it may be called again.
func (r *replicaReaders) stop() {
	r.stopOnce.Do(func() {
		close(r.stopCh)
		r.wg.Wait()
	})
}

func (r *replicaReaders) reader(ctx context.Context, reader int) {
	for {
		select {
		case <-r.stopCh:
			return
		case <-ctx.Done():
			return
		default:
		}
		o := readOp{reader: reader, start: time.Now()}
		readCtx, cancel := context.WithTimeout(ctx, readTimeout)
		f := r.pool.Replica().Execute(readCtx, r.query)
		hang := time.NewTimer(readTimeout + hangAfter)
		select {
		case <-f.Done():
			var cur *pool.Cursor
			if cur, o.err = f.Result(); o.err == nil {
				var n int64
				o.err = cur.FetchOne(&n, &o.port)
			}
		case <-hang.C:
			o.hung = true
		}
		hang.Stop()
		cancel()
		o.end = time.Now()
		r.mu.Lock()
		r.ops = append(r.ops, o)
		r.mu.Unlock()
		r.completed.Add(1)
		if o.err != nil || o.hung {
			select {
			case <-r.stopCh:
				return
			case <-time.After(r.afterFailure):
			}
		}
	}
}

func (r *replicaReaders) snapshot() []readOp {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]readOp(nil), r.ops...)
}

// succeededAfter reports whether a read that started after since
// succeeded.
func (r *replicaReaders) succeededAfter(since time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.ops) - 1; i >= 0; i-- {
		if o := r.ops[i]; o.err == nil && !o.hung && o.start.After(since) {
			return true
		}
	}
	return false
}

// readCounts splits reads by when they started: before from, from from
// to until, after until; and counts the failed ones in each.
type readCounts struct{ before, during, after, failedBefore, failedDuring, failedAfter int }

func countReads(ops []readOp, from, until time.Time) readCounts {
	var c readCounts
	for _, o := range ops {
		failed := o.err != nil || o.hung
		switch {
		case o.start.Before(from):
			c.before++
			if failed {
				c.failedBefore++
			}
		case o.start.Before(until):
			c.during++
			if failed {
				c.failedDuring++
			}
		default:
			c.after++
			if failed {
				c.failedAfter++
			}
		}
	}
	return c
}

func (c readCounts) String() string {
	return fmt.Sprintf("reads before/during/after=%d/%d/%d failed=%d/%d/%d",
		c.before, c.during, c.after, c.failedBefore, c.failedDuring, c.failedAfter)
}

// member is the pool's standby at port, as its Stats show it.
func member(t *testing.T, p *pool.Pool, port int) pool.ReplicaStats {
	t.Helper()
	for _, m := range p.Stats().Replicas {
		if portOf(t, m.Name) == port {
			return m
		}
	}
	t.Fatalf("no standby on port %d in the pool's stats: %+v", port, p.Stats().Replicas)
	return pool.ReplicaStats{}
}

// withStandby starts a private primary with a database made by setup and
// a streaming standby of it. The database is not NewDatabase's: tests
// stop the primary before cleanup could drop it.
func withStandby(t *testing.T, ctx context.Context, setup string) (primary, standby *pgtest.Server, db string) {
	t.Helper()
	primary = pgtest.New(t, pgtest.Options{})
	db, err := primary.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	execAdmin(t, ctx, primary, db, setup)
	return primary, primary.NewStandby(t), db
}

// itemsTable is what the replica readers read.
const itemsTable = "CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 100) g"

// makeSynchronous makes replication to primary's standby synchronous, so
// that "acknowledged" means "on the standby too".
func makeSynchronous(t *testing.T, ctx context.Context, primary *pgtest.Server) {
	t.Helper()
	if err := primary.Exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = '*'"); err != nil {
		t.Fatal(err)
	}
	if err := primary.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the standby to be synchronous", func() bool {
		return queryString(t, ctx, primary, "SELECT coalesce(string_agg(sync_state, ','), '') FROM pg_stat_replication") == "sync"
	})
}

// behindProxy starts a faultproxy in front of srv and returns it with a
// DSN of db through it.
func behindProxy(t *testing.T, srv *pgtest.Server, db string) (*faultproxy.Proxy, string) {
	t.Helper()
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dsn, err := pgtest.WithAddr(srv.DatabaseDSN(db), proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return proxy, dsn
}
