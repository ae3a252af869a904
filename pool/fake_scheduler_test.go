package pool_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// TestFakeSlowStatementsRunInParallel: Momoko's promise, slow statements
// issued together each get a connection of their own, up to MaxSize, and
// the rest wait in line.
func TestFakeSlowStatementsRunInParallel(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 8), make(chan struct{})
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 3})
	ctx := context.Background()
	var fs []*future.Future[*pool.Cursor]
	for range 5 {
		fs = append(fs, p.Execute(ctx, "SELECT slow"))
	}
	seen := map[*pgfake.Conn]bool{}
	for range 3 {
		seen[<-started] = true
	}
	if len(seen) != 3 {
		t.Fatalf("3 statements running on %d connections, want 3", len(seen))
	}
	waitFor(t, 10*time.Second, "two calls in line", func() bool { return p.Stats().Waiting == 2 })
	if n := len(srv.Sessions()); n != 3 {
		t.Errorf("%d connections, want MaxSize 3", n)
	}
	close(release)
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
}

// TestFakeQueueIsFIFO: at MaxSize 1 without pipelining, calls reach the
// server in the order they were made.
func TestFakeQueueIsFIFO(t *testing.T) {
	srv, sts := fakeServer(t)
	for i := range 20 {
		sts.set(fmt.Sprintf("SELECT %d", i), pgfake.Statement{Run: tagged("SELECT 0")})
	}
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1, MaxPipeline: 1})
	ctx := context.Background()
	first := p.Execute(ctx, "SELECT slow")
	session := <-started
	var fs []*future.Future[*pool.Cursor]
	for i := range 20 {
		fs = append(fs, p.Execute(ctx, fmt.Sprintf("SELECT %d", i)))
	}
	close(release)
	await(t, ctx, first)
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
	got := session.Received()[1:]
	for i, sql := range got {
		if want := fmt.Sprintf("SELECT %d", i); sql != want {
			t.Fatalf("statement %d on the server was %q, want %q (order %v)", i, sql, want, got)
		}
	}
}

// TestFakeMaxPipelineBoundsDepth: at MaxSize, fast statements pipeline on a
// busy connection, never more than MaxPipeline at once.
func TestFakeMaxPipelineBoundsDepth(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1, MaxPipeline: 4})
	pool.MarkFast(p, "SELECT 'one'")
	ctx := context.Background()
	var fs []*future.Future[*pool.Cursor]
	for range 200 {
		fs = append(fs, p.Execute(ctx, "SELECT 'one'"))
	}
	if _, err := future.All(ctx, fs...); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.DeepestPipeline > 4 || st.Pipelined == 0 {
		t.Errorf("deepest pipeline %d, pipelined %d: want some pipelining, at most 4 deep", st.DeepestPipeline, st.Pipelined)
	}
}

// TestFakeLateHeadTakesNoNewWork: a fast statement that starts to wait
// (a lock) holds up no call while another connection can serve it.
func TestFakeLateHeadTakesNoNewWork(t *testing.T) {
	wh := newWaitingHead(t, pool.Options{Size: 2, MaxSize: 2})
	p, ctx := wh.p, context.Background()
	lookup := p.Execute(ctx, "SELECT 'one'") // queued behind the update
	awaitMoved(t, p)
	if got := textOf(t, await(t, ctx, lookup)); got != "one" {
		t.Fatalf("got %q", got)
	}
	// A late pipeline takes no new work either.
	if got := textOf(t, await(t, ctx, p.Execute(ctx, "SELECT 'one'"))); got != "one" {
		t.Fatalf("got %q", got)
	}
	wh.unblock()
	await(t, ctx, wh.head)
}

// TestFakeCancelReachesTheStatement: a caller who gives up gets its
// context's error at once; the statement, alone on its connection, is
// cancelled on the server, and the connection serves the next call.
func TestFakeCancelReachesTheStatement(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	st, cancelled := cancellable(started, release)
	sts.set("SELECT slow", st)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx, cancel := context.WithCancel(context.Background())
	f := p.Execute(ctx, "SELECT slow")
	<-started
	cancel()
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	bg := context.Background()
	await(t, bg, p.Execute(bg, "SELECT 'one'"))
	if cancelled.Load() != 1 {
		t.Errorf("the server cancelled %d statements, want 1", cancelled.Load())
	}
	if n := len(srv.Sessions()); n != 1 {
		t.Errorf("%d sessions, want the one kept", n)
	}
}

// TestFakeCloseFailsWaiters: calls waiting in line when the pool closes
// resolve with ErrPoolClosed.
func TestFakeCloseFailsWaiters(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	p.Execute(ctx, "SELECT slow")
	<-started
	waiting := p.Execute(ctx, "SELECT 'one'")
	waitFor(t, 10*time.Second, "a call in line", func() bool { return p.Stats().Waiting == 1 })
	go p.Close()
	if _, err := waiting.Await(ctx); !errors.Is(err, pool.ErrPoolClosed) {
		t.Fatalf("got %v, want ErrPoolClosed", err)
	}
}

// TestFakeAcquireTimeout: a call that waits in line longer than
// AcquireTimeout fails with ErrAcquireTimeout.
func TestFakeAcquireTimeout(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1, AcquireTimeout: time.Millisecond})
	ctx := context.Background()
	p.Execute(ctx, "SELECT slow")
	<-started
	if _, err := p.Execute(ctx, "SELECT 'one'").Await(ctx); !errors.Is(err, pool.ErrAcquireTimeout) {
		t.Fatalf("got %v, want ErrAcquireTimeout", err)
	}
	if _, err := p.Acquire(ctx); !errors.Is(err, pool.ErrAcquireTimeout) {
		t.Fatalf("Acquire: got %v, want ErrAcquireTimeout", err)
	}
}

// TestFakeFatalDuringStatementIsLost: a server that ends the session while
// a statement runs (pg_terminate_backend) may have run it.
func TestFakeFatalDuringStatementIsLost(t *testing.T) {
	srv, sts := fakeServer(t)
	sts.set("INSERT INTO t VALUES (2)", pgfake.Statement{
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return nil, "", pgfake.Fatal("57P01", "terminating connection due to administrator command")
		}})
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	if _, err := p.Execute(ctx, "INSERT INTO t VALUES (2)").Await(ctx); sqlStateOf(err) != "57P01" {
		t.Fatalf("got %v, want 57P01", err)
	}
	await(t, ctx, p.Execute(ctx, "SELECT 'one'"))
}
