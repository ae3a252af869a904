package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// flagWriter counts the writes it gets once after is set.
type flagWriter struct {
	started chan struct{}
	n       int
	after   *atomic.Bool
	late    atomic.Int64
}

func (w *flagWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n == 100 {
		close(w.started)
	}
	if w.after.Load() {
		w.late.Add(1)
	}
	return len(p), nil
}

// TestCopyToWritesNothingOnceAwaitReturns: the usual pattern awaits CopyTo
// with the context it was given; once that Await has returned because the
// context ended, no write of the caller's writer begins (thousands used
// to, until the pool's own watch of the context stopped them). A write
// that began before the context ended may still be finishing: at most one
// per COPY.
func TestCopyToWritesNothingOnceAwaitReturns(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	var late, worst int64
	for range 10 {
		var after atomic.Bool
		w := &flagWriter{started: make(chan struct{}), after: &after}
		cctx, cancel := context.WithCancel(ctx)
		f := p.CopyTo(cctx, w, "COPY (SELECT generate_series(1, 100000000)) TO STDOUT")
		<-w.started
		cancel()
		if _, err := f.Await(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("CopyTo cancelled: %v, want context.Canceled", err)
		}
		after.Store(true)
		f.Await(ctx)
		execInt(t, ctx, p, "SELECT 1") // the connection is back: the COPY is over
		late += w.late.Load()
		worst = max(worst, w.late.Load())
	}
	t.Logf("%d writes after Await returned in 10 COPYs", late)
	if worst > 1 {
		t.Errorf("the writer was written %d times after Await returned in one COPY, want at most the one under way", worst)
	}
}

// TestCopyFromReadsNothingOnceItFailed: once the caller's context ended
// and CopyFrom's future failed, no call of the caller's source begins
// (pgx, filling a buffer ahead, made thousands more); a call under way as
// the context ended may still finish.
func TestCopyFromReadsNothingOnceItFailed(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE copied (id bigint, name text)"))
	fctx, cancel := context.WithCancel(ctx)
	var resolved atomic.Bool
	var late atomic.Int64
	pulled := make(chan struct{})
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		i++
		if i == 1000 {
			close(pulled)
		}
		if resolved.Load() {
			late.Add(1)
		}
		return []any{int64(i), "x"}, nil
	})
	f := p.CopyFrom(fctx, pgx.Identifier{"copied"}, []string{"id", "name"}, src)
	<-pulled
	cancel()
	if _, err := f.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyFrom cancelled: %v, want context.Canceled", err)
	}
	resolved.Store(true)
	execInt(t, ctx, p, "SELECT 1") // the connection is back: the COPY is over
	if n := late.Load(); n > 1 {
		t.Errorf("the source was read %d times after the future failed, want at most the call under way", n)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM copied"); n != 0 {
		t.Errorf("%d rows copied by the cancelled COPY, want 0", n)
	}
}

// TestConnStatementWhileRowsOpenFails: a statement given to a Conn while
// rows of its Query are open fails at once with ErrConnBusy, where it used
// to wait behind the rows its caller was reading, for ever.
func TestConnStatementWhileRowsOpenFails(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	rows, err := c.Query(ctx, "SELECT generate_series(1, 3)")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, pool.ErrConnBusy) {
		t.Errorf("Exec on the Conn while its rows are open: %v, want ErrConnBusy", err)
	}
	rows.Close()
	if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("Exec on the Conn once its rows are closed: %v", err)
	}
}

// TestStreamClosedAfterItsLastRowSendsNoCancel: rows closed after their
// last row but before Next said so (pgx.CollectOneRow does) cost no
// CancelRequest: the result was all in the client's buffer. A
// CancelRequest is a connection of its own, counted by the proxy.
func TestStreamClosedAfterItsLastRowSendsNoCancel(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := streamPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	execInt(t, ctx, p, "SELECT 1")
	before := proxy.Stats().Accepted
	for range 20 {
		rows, err := p.Query(ctx, "SELECT 1")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := pgx.CollectOneRow(rows, pgx.RowTo[int32]); err != nil || n != 1 {
			t.Fatalf("CollectOneRow = %d, %v", n, err)
		}
	}
	start := time.Now()
	execInt(t, ctx, p, "SELECT 1")
	t.Logf("next statement %v after", time.Since(start))
	if n := proxy.Stats().Accepted - before; n != 0 {
		t.Errorf("%d connections made (CancelRequests) for 20 one-row streams closed after their row, want 0", n)
	}
}
