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

// TestFakeAnswersBufferedAheadOfAWrite: the owner reads results already
// in its buffer before it flushes what it wrote since (so that it goes
// out in one write), and must stop reading where what was flushed ends.
// Here the answer to a Prepare arrives together with the result ahead of
// it; the request that Prepare was for is cancelled, and a cached
// statement is written behind it but not flushed yet. Reading on past the
// Prepare would wait for that statement's result, which the server was
// never sent: a future that never resolves.
func TestFakeAnswersBufferedAheadOfAWrite(t *testing.T) {
	srv, sts := fakeServer(t)
	started, releaseSlow := make(chan *pgfake.Conn, 1), make(chan struct{})
	sts.set("SELECT slow", blocking(started, releaseSlow))
	sts.set("SELECT 'x'", pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")}})
	var holdAtBind atomic.Bool
	srv.OnMessage = func(c *pgfake.Conn, m pgproto3.FrontendMessage) {
		if _, ok := m.(*pgproto3.Bind); ok && holdAtBind.CompareAndSwap(true, false) {
			c.Hold()
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Cached on the connection; run a few times, since the connection's
	// first writes carry a Sync that times its round trip, which would
	// be written with what follows.
	for range 4 {
		textOf(t, await(t, ctx, p.Execute(ctx, "SELECT 'one'")))
	}
	// After that run, which a busy machine may make look slow.
	pipelineOnCue(p, "SELECT slow", "SELECT 'one'", "SELECT 'x'")

	slow := p.Execute(ctx, "SELECT slow")
	c := <-started
	// Given to the busy connection: written together once slow is done,
	// the first as a statement, the second as a Prepare it waits for.
	first := p.Execute(ctx, "SELECT 'one'")
	bctx, bcancel := context.WithCancel(ctx)
	dropped := p.Execute(bctx, "SELECT 'x'")
	holdAtBind.Store(true) // the next Bind is first's: its answer and the Prepare's are held
	close(releaseSlow)
	await(t, ctx, slow)
	waitFor(t, 10*time.Second, "the answers to first and the Prepare", func() bool { return c.Held() == 2 })
	bcancel()
	if _, err := dropped.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("dropped: %v, want context.Canceled", err)
	}
	last := p.Execute(ctx, "SELECT 'one'") // cached: written at once, behind the Prepare
	c.Release()
	if got := textOf(t, await(t, ctx, first)); got != "one" {
		t.Fatalf("first: %q", got)
	}
	cur, err := last.Await(ctx)
	if err != nil {
		t.Fatalf("the statement written behind the buffered answers: %v", err)
	}
	if got := textOf(t, cur); got != "one" {
		t.Fatalf("last: %q", got)
	}
}

// TestFakeCancelledIsCountedBeforeItResolves: a future its caller's
// context resolved is in Stats.Latency.Statement by the time the caller
// sees it resolved.
func TestFakeCancelledIsCountedBeforeItResolves(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	bg := context.Background()
	p.Execute(bg, "SELECT slow") // holds the one connection: the rest wait in line
	<-started
	misses := 0
	const n = 1000
	for range n {
		ctx, cancel := context.WithCancel(bg)
		f := p.Execute(ctx, "SELECT 'one'")
		cancel()
		if _, err := f.Await(bg); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		if s := p.Stats(); s.Latency.Statement.Count != s.Statements-1 { // the slow one is unresolved
			misses++
		}
	}
	if misses > 0 {
		t.Fatalf("%d of %d times, a resolved cancelled call was not yet in Latency.Statement", misses, n)
	}
}
