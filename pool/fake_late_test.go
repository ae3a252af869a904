package pool_test

import (
	"context"
	"errors"
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
	release, unblock := gate()
	defer unblock()
	parsing := make(chan struct{})
	var first atomic.Bool
	srv.OnMessage = func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok && p.Query == "SELECT parseblock" && first.CompareAndSwap(false, true) {
			close(parsing)
			<-release // only the first Parse of it waits
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 2, MaxSize: 2})
	pipelineOnCue(p, "SELECT parseblock", "SELECT 'one'")
	ctx := context.Background()
	blocked := p.Execute(ctx, "SELECT parseblock")
	<-parsing
	lookup := p.Execute(ctx, "SELECT 'one'") // queued behind the Prepare
	awaitMoved(t, p)
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
	st, cancelled := cancellable(started, release)
	sts.set("UPDATE locked", st)
	p := fakePool(t, srv, pool.Options{Size: 2, MaxSize: 2})
	pipelineOnCue(p, "UPDATE locked", "SELECT 'one'")
	ctx := context.Background()
	hctx, hcancel := context.WithCancel(ctx)
	head := p.Execute(hctx, "UPDATE locked")
	<-started
	lookup := p.Execute(ctx, "SELECT 'one'")
	hcancel()
	if _, err := head.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("head: %v, want context.Canceled", err)
	}
	awaitMoved(t, p)
	await(t, ctx, lookup)
	waitFor(t, 10*time.Second, "the head cancelled on the server", func() bool { return cancelled.Load() == 1 })
}

// TestFakeHeldBehindALateStatementMoves: a request whose Prepare went out
// behind a statement that then waits (for a lock) moves: what it waits
// for is not its own Parse but that statement.
func TestFakeHeldBehindALateStatementMoves(t *testing.T) {
	srv, sts := fakeServer(t)
	first, releaseFirst := make(chan *pgfake.Conn, 1), make(chan struct{})
	sts.set("SELECT first", blocking(first, releaseFirst))
	var lock atomic.Bool
	locked := make(chan struct{}, 1)
	releaseLock, unlock := gate()
	defer unlock()
	sts.set("UPDATE locked", pgfake.Statement{Run: func(ctx context.Context, _ *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
		if lock.Load() {
			locked <- struct{}{}
			select {
			case <-releaseLock:
			case <-ctx.Done():
			}
		}
		return nil, "UPDATE 1", nil
	}})
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 2})
	ctx := context.Background()
	await(t, ctx, p.Execute(ctx, "UPDATE locked")) // prepared on the connection
	pipelineOnCue(p, "SELECT first", "UPDATE locked", "SELECT 'one'")
	lock.Store(true)
	head := p.Execute(ctx, "SELECT first")
	<-first
	update := p.Execute(ctx, "UPDATE locked")
	lookup := p.Execute(ctx, "SELECT 'one'") // its Prepare goes out behind the update
	close(releaseFirst)
	await(t, ctx, head)
	<-locked
	awaitMoved(t, p)
	if got := textOf(t, await(t, ctx, lookup)); got != "one" {
		t.Fatalf("got %q", got)
	}
	unlock()
	await(t, ctx, update)
}
