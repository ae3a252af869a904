package pool_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// TestFakePrepareWaitIsLate: a pipeline whose owner waits for a Prepare
// (its Parse held up by the server) is late like one waiting for a
// statement: what was queued on it moves.
func TestFakePrepareWaitIsLate(t *testing.T) {
	srv, sts := fakeServer(t)
	sts.set("SELECT parseblock", pgfake.Statement{Run: tagged("SELECT 0")})
	release, parsing := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	srv.OnMessage = func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok && p.Query == "SELECT parseblock" && first.CompareAndSwap(false, true) {
			close(parsing)
			<-release // only the first Parse of it waits
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 2, MaxSize: 2})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the pool's Close, which waits for the Prepare
	pool.MarkFast(p, "SELECT parseblock")
	pool.MarkFast(p, "SELECT 'one'")
	pool.SetLateHead(p, time.Hour)
	ctx := context.Background()
	blocked := p.Execute(ctx, "SELECT parseblock")
	<-parsing
	lookup := p.Execute(ctx, "SELECT 'one'") // queued behind the Prepare
	pool.SetLateHead(p, time.Millisecond)
	// The lookup moves, and so may the statement waiting for that Prepare.
	waitFor(t, 10*time.Second, "the lookup to move", func() bool {
		pool.MoveFromLate(p)
		return p.Stats().MovedFromLate >= 1
	})
	if got := textOf(t, await(t, ctx, lookup)); got != "one" {
		t.Fatalf("got %q", got)
	}
	unblock()
	await(t, ctx, blocked)
}

// TestFakeMovingAwayCancelsAnUnwantedHead: a head whose caller gave up
// is not cancelled on the server while what is queued behind it is still
// wanted; once that has moved away, the CancelRequest goes out.
func TestFakeMovingAwayCancelsAnUnwantedHead(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	var cancelled atomic.Int32
	st := blocking(started, release)
	run := st.Run
	st.Run = func(ctx context.Context, c *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
		rows, tag, err := run(ctx, c, args)
		if err != nil {
			cancelled.Add(1)
		}
		return rows, tag, err
	}
	sts.set("UPDATE locked", st)
	p := fakePool(t, srv, pool.Options{Size: 2, MaxSize: 2})
	pool.MarkFast(p, "UPDATE locked")
	pool.MarkFast(p, "SELECT 'one'")
	pool.SetLateHead(p, time.Hour)
	ctx := context.Background()
	hctx, hcancel := context.WithCancel(ctx)
	head := p.Execute(hctx, "UPDATE locked")
	<-started
	lookup := p.Execute(ctx, "SELECT 'one'")
	hcancel()
	if _, err := head.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("head: %v, want context.Canceled", err)
	}
	pool.SetLateHead(p, time.Millisecond)
	waitFor(t, 10*time.Second, "the lookup to move", func() bool {
		pool.MoveFromLate(p)
		return p.Stats().MovedFromLate >= 1
	})
	await(t, ctx, lookup)
	waitFor(t, 10*time.Second, "the head cancelled on the server", func() bool { return cancelled.Load() == 1 })
}
