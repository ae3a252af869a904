package pool_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestReplicaReadYourWrites: 1,000 write-then-read pairs from 10 callers,
// with no fallback to the primary, each read on the standby and seeing
// its write; and a write the standby cannot replay (replay paused) makes
// the read fail with ErrReplicaBehind after ReplayWait, or run on the
// primary with FallbackToPrimary.
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

// TestReadYourWritesLearnsPositionInTheSameRoundTrip: a pipelined write
// costs one request with its WAL position (the simple protocol, two);
// positions grow with the writes, transactions included, and a failed
// write or transaction leaves the position as it was.
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
