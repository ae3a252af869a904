package pool_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// replicated is a private primary with streaming standbys and a database
// made before them, so that they have it too.
type replicated struct {
	primary  *pgtest.Server
	standbys []*pgtest.Server
	db       string
}

func newReplicated(t testing.TB, ctx context.Context, standbys int) *replicated {
	t.Helper()
	primary := pgtest.New(t, pgtest.Options{})
	db, err := primary.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := primary.Exec(ctx, "ALTER SYSTEM SET wal_receiver_status_interval = '100ms'"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, primary.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE items (id bigint PRIMARY KEY, note text)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	rs := &replicated{primary: primary, db: db}
	for range standbys {
		rs.standbys = append(rs.standbys, primary.NewStandby(t))
	}
	return rs
}

func (rs *replicated) primaryDSN() string { return rs.primary.DatabaseDSN(rs.db) }

func (rs *replicated) standbyDSNs() []string {
	var dsns []string
	for _, s := range rs.standbys {
		dsns = append(dsns, s.DatabaseDSN(rs.db))
	}
	return dsns
}

// serverPort is the port of the server that ran a read: each server of a
// replicated set has its own.
func readPort(ctx context.Context, e pool.Executor) (int, error) {
	cur, err := e.Execute(ctx, "SELECT inet_server_port()").Await(ctx)
	if err != nil {
		return 0, err
	}
	var port int
	err = cur.FetchOne(&port)
	return port, err
}

// waitUsable waits until the pool's standbys' usability is want.
func waitUsable(t *testing.T, p *pool.Pool, want ...bool) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("standbys usable %v", want), func() bool {
		st := p.Stats().Replicas
		for i, w := range want {
			if st[i].Usable != w {
				return false
			}
		}
		return true
	})
}

func TestReplicaReadsSpreadOverStandbys(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond,
	}})
	waitUsable(t, p, true, true)

	const callers, reads = 16, 200
	counts := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range reads {
				port, err := readPort(ctx, p.Replica())
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				counts[port]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d reads in %v (%.0f/s): %v", callers*reads, took, float64(callers*reads)/took.Seconds(), counts)
	st := p.Stats()
	for _, m := range st.Replicas {
		t.Logf("%s: %d reads, deepest pipeline %d", m.Name, m.Reads, m.Pool.DeepestPipeline)
	}
	if st.ReadsOnPrimary != 0 || counts[portOf(t, rs.primary.Addr())] != 0 {
		t.Errorf("%d reads fell back to the primary", st.ReadsOnPrimary)
	}
	for _, s := range rs.standbys {
		if n := counts[portOf(t, s.Addr())]; n < callers*reads/4 {
			t.Errorf("standby %s took %d of %d reads", s.Addr(), n, callers*reads)
		}
	}
	var ro string
	cur := await(t, ctx, p.Replica().Execute(ctx, "SHOW transaction_read_only"))
	if err := cur.FetchOne(&ro); err != nil || ro != "on" {
		t.Errorf("a replica read's transaction_read_only = %q (%v), want on", ro, err)
	}
	_, err := p.Replica().Execute(ctx, "INSERT INTO items VALUES (1, 'x')").Await(ctx)
	if sqlState(err) != "25006" {
		t.Errorf("INSERT through Replica: %v, want SQLSTATE 25006", err)
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writeEvery inserts a row every interval until the test ends, so that
// the primary's WAL moves and a paused standby falls behind.
func writeEvery(t *testing.T, ctx context.Context, p *pool.Pool, interval time.Duration, first int) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for id := first; ctx.Err() == nil; id++ {
			_, _ = p.Execute(ctx, "INSERT INTO items VALUES ($1, 'tick')", id).Await(ctx)
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
}

func TestReplicaLaggingStandbyGetsNoReads(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	const maxLag = 300 * time.Millisecond
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 4, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond, MaxReplicaLag: maxLag,
	}})
	waitUsable(t, p, true, true)
	writeEvery(t, ctx, p, 5*time.Millisecond, 1_000_000)

	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, false, true)
	lagging := p.Stats().Replicas[0]
	if lagging.Role != pool.RoleStandby || lagging.Lag <= maxLag {
		t.Fatalf("paused standby: role %v (%s), lag %v; want a standby lagging beyond %v", lagging.Role, lagging.LastError, lagging.Lag, maxLag)
	}
	t.Logf("paused standby out of the reads with lag %v", lagging.Lag)

	paused, other := portOf(t, rs.standbys[0].Addr()), portOf(t, rs.standbys[1].Addr())
	counts := map[int]int{}
	for range 500 {
		port, err := readPort(ctx, p.Replica())
		if err != nil {
			t.Fatal(err)
		}
		counts[port]++
	}
	if counts[other] != 500 {
		t.Errorf("reads while a standby lags: %v; want all 500 on port %d, none on the paused %d", counts, other, paused)
	}

	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, true, true)
	waitFor(t, 10*time.Second, "reads to reach the standby that caught up", func() bool {
		port, err := readPort(ctx, p.Replica())
		return err == nil && port == paused
	})
}

func TestReplicaReadYourWrites(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	p, err := pool.New(rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 8, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	// The first read connects the pool, which checks the standby first.
	standby := portOf(t, rs.standbys[0].Addr())
	if port, err := readPort(ctx, p.Replica()); err != nil || port != standby {
		t.Fatalf("first read of a pool not connected yet: port %d (%v), want the standby's %d", port, err, standby)
	}

	const callers, pairs = 10, 100
	var wg sync.WaitGroup
	errs := make(chan error, callers*pairs)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rw := p.ReadYourWrites()
			for i := range pairs {
				id := c*pairs + i
				if _, err := rw.Execute(ctx, "INSERT INTO items VALUES ($1, $2)", id, fmt.Sprint("note ", id)).Await(ctx); err != nil {
					errs <- err
					return
				}
				cur, err := rw.Replica().Execute(ctx, "SELECT note, inet_server_port() FROM items WHERE id = $1", id).Await(ctx)
				if err != nil {
					errs <- err
					return
				}
				var note string
				var port int
				if err := cur.FetchOne(&note, &port); err != nil {
					errs <- fmt.Errorf("pair %d: the read did not see its write: %w", id, err)
					continue
				}
				if port != standby {
					errs <- fmt.Errorf("pair %d: read on port %d, not the standby's %d", id, port, standby)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := p.Stats()
	t.Logf("%d write-then-read pairs: %d reads on the standby, %d on the primary", callers*pairs, st.Replicas[0].Reads, st.ReadsOnPrimary)

	// A standby that cannot replay the write: the read waits ReplayWait,
	// then fails, or runs on the primary when allowed.
	if err := rs.standbys[0].Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	for _, fallback := range []bool{false, true} {
		q := openPool(t, ctx, rs.primaryDSN(), pool.Options{Replicas: pool.ReplicaOptions{
			Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond, MaxReplicaLag: -1,
			ReplayWait: 100 * time.Millisecond, FallbackToPrimary: fallback,
		}})
		waitUsable(t, q, true)
		rw := q.ReadYourWrites()
		id := 10_000 + len(fmt.Sprint(fallback))
		await(t, ctx, rw.Execute(ctx, "INSERT INTO items VALUES ($1, 'behind')", id))
		cur, err := rw.Replica().Execute(ctx, "SELECT note FROM items WHERE id = $1", id).Await(ctx)
		if !fallback {
			if !errors.Is(err, pool.ErrReplicaBehind) || !errors.Is(err, pool.ErrNoReplica) {
				t.Errorf("read after a write the standby cannot replay: %v, want ErrReplicaBehind", err)
			}
			continue
		}
		var note string
		if err != nil || cur.FetchOne(&note) != nil || note != "behind" {
			t.Errorf("read after a write the standby cannot replay, with fallback: %v %q", err, note)
		}
		if q.Stats().ReadsOnPrimary != 1 {
			t.Errorf("ReadsOnPrimary %d, want 1", q.Stats().ReadsOnPrimary)
		}
	}
}

func TestReadYourWritesLearnsPositionInTheSameRoundTrip(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	for _, mode := range []string{"", "simple_protocol"} {
		t.Run("mode="+mode, func(t *testing.T) {
			d := dsn
			if mode != "" {
				d += "&default_query_exec_mode=" + mode
			}
			p := openPool(t, ctx, d, pool.Options{Size: 2})
			await(t, ctx, p.Execute(ctx, "CREATE TABLE IF NOT EXISTS rw_"+mode+" (id int PRIMARY KEY)"))
			rw := p.ReadYourWrites()
			before := p.Stats().Statements
			var last pool.LSN
			for i := range 20 {
				await(t, ctx, rw.Execute(ctx, "INSERT INTO rw_"+mode+" VALUES ($1)", i))
				if rw.LSN() <= last {
					t.Fatalf("write %d: position %v, not after %v", i, rw.LSN(), last)
				}
				last = rw.LSN()
			}
			statements := p.Stats().Statements - before
			want := uint64(20)
			if mode != "" {
				want = 40 // the simple protocol is not pipelined: a statement of its own
			}
			if statements != want {
				t.Errorf("20 writes took %d statements, want %d", statements, want)
			}
			now := await(t, ctx, p.WALPosition(ctx))
			if now < last {
				t.Errorf("WALPosition %v is before the last write's %v", now, last)
			}

			curs := await(t, ctx, rw.Transaction(ctx, []pool.Statement{
				{SQL: "INSERT INTO rw_" + mode + " VALUES (100)"}, {SQL: "SELECT count(*) FROM rw_" + mode},
			}))
			var n int
			if len(curs) != 2 || curs[1].FetchOne(&n) != nil || n != 21 || rw.LSN() <= last {
				t.Errorf("transaction: %d cursors, count %d, position %v after %v", len(curs), n, rw.LSN(), last)
			}
			last = rw.LSN()
			_, err := rw.Transaction(ctx, []pool.Statement{
				{SQL: "INSERT INTO rw_" + mode + " VALUES (101)"}, {SQL: "SELECT 1/0"},
			}).Await(ctx)
			if sqlState(err) != "22012" {
				t.Errorf("failed transaction: %v, want SQLSTATE 22012", err)
			}
			if rw.LSN() != last {
				t.Errorf("a failed write moved the position from %v to %v", last, rw.LSN())
			}
			if got := execInt(t, ctx, p, "SELECT count(*) FROM rw_"+mode+" WHERE id = 101"); got != 0 {
				t.Errorf("the failed transaction's row is there (%d)", got)
			}
			_, err = rw.Execute(ctx, "INSERT INTO rw_"+mode+" VALUES (0)").Await(ctx)
			if sqlState(err) != "23505" || rw.LSN() != last {
				t.Errorf("failed write: %v (want 23505), position %v (want %v)", err, rw.LSN(), last)
			}
		})
	}
}

// TestReplicaReadsMoveToTheOtherStandby stops one of two standbys under
// load, with no fallback to the primary: the reads that were on it run
// again on the other, and no read fails. Back, it takes reads again.
func TestReplicaReadsMoveToTheOtherStandby(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 2)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 2, MaxSize: 4, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond,
	}})
	waitUsable(t, p, true, true)

	var mu sync.Mutex
	var reads, failures int
	var firstErr error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := readPort(ctx, p.Replica())
				mu.Lock()
				reads++
				if err != nil {
					failures++
					firstErr = cmp.Or(firstErr, err)
				}
				mu.Unlock()
			}
		}()
	}
	readsNow := func() int { mu.Lock(); defer mu.Unlock(); return reads }
	waitFor(t, 10*time.Second, "reads on both standbys", func() bool {
		st := p.Stats().Replicas
		return st[0].Reads > 100 && st[1].Reads > 100
	})
	if err := rs.standbys[0].Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, false, true)
	after := readsNow()
	waitFor(t, 10*time.Second, "reads with one standby down", func() bool { return readsNow() > after+500 })
	if err := rs.standbys[0].Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, true, true)
	back := p.Stats().Replicas[0].Reads
	waitFor(t, 10*time.Second, "reads on the standby that came back", func() bool { return p.Stats().Replicas[0].Reads > back+100 })
	close(stop)
	wg.Wait()

	st := p.Stats()
	t.Logf("%d reads, %d failed; retried elsewhere %d; on the primary %d", reads, failures, st.Replicas[0].Retried, st.ReadsOnPrimary)
	if failures != 0 {
		t.Errorf("%d of %d reads failed, first: %v", failures, reads, firstErr)
	}
	if st.ReadsOnPrimary != 0 {
		t.Errorf("%d reads ran on the primary", st.ReadsOnPrimary)
	}
}
