package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// parseHeldUp is a connection (Size 1, MaxSize 2) that wrote "SELECT s",
// which runs until releaseS is closed, and behind it the Prepare of a
// call whose caller has given up since: the server holds that Parse up
// (a lock, a partition) once s is done, and tells parsing.
type parseHeldUp struct {
	p        *pool.Pool
	s        *future.Future[*pool.Cursor]
	releaseS chan struct{}
	parsing  chan struct{}
}

func newParseHeldUp(t *testing.T) *parseHeldUp {
	t.Helper()
	srv, sts := fakeServer(t)
	first, releaseFirst := make(chan *pgfake.Conn, 1), make(chan struct{})
	sts.set("SELECT first", blocking(first, releaseFirst))
	var block atomic.Bool
	started, releaseS := make(chan struct{}, 1), make(chan struct{})
	sts.set("SELECT s", pgfake.Statement{Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
		if block.Load() {
			started <- struct{}{}
			<-releaseS
		}
		return nil, "SELECT 0", nil
	}})
	sts.set("SELECT parseblock", pgfake.Statement{Run: tagged("SELECT 0")})
	releaseParse, unblock := gate()
	parsing := make(chan struct{}, 1)
	var parseSeen atomic.Bool
	srv.OnMessage = func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok && p.Query == "SELECT parseblock" && parseSeen.CompareAndSwap(false, true) {
			parsing <- struct{}{}
			<-releaseParse
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 2})
	t.Cleanup(unblock) // before the pool's Close, which waits for what the server holds
	ctx := context.Background()
	await(t, ctx, p.Execute(ctx, "SELECT s")) // prepared on the connection
	pipelineOnCue(p, "SELECT first", "SELECT s", "SELECT parseblock", "SELECT 'one'")
	block.Store(true)
	head := p.Execute(ctx, "SELECT first")
	<-first
	s := p.Execute(ctx, "SELECT s")
	dropped, drop := context.WithCancel(ctx)
	a := p.Execute(dropped, "SELECT parseblock")
	close(releaseFirst) // s and a's Prepare go out together
	await(t, ctx, head)
	<-started
	drop()
	if _, err := a.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("dropped call: %v", err)
	}
	return &parseHeldUp{p: p, s: s, releaseS: releaseS, parsing: parsing}
}

// TestFakeNoIdleWhileWaitingForAPrepare: a connection whose last request
// was dropped while its Prepare was in flight does not go idle before the
// server has answered: the next call is not handed to a connection stuck
// on a Parse (waiting for a lock, or caught in a partition).
func TestFakeNoIdleWhileWaitingForAPrepare(t *testing.T) {
	sc := newParseHeldUp(t)
	p, ctx := sc.p, context.Background()
	close(sc.releaseS)
	await(t, ctx, sc.s)
	<-sc.parsing // the connection now waits for a's Prepare, and nothing of it is wanted
	pool.SetLateHead(p, time.Millisecond)
	next := p.Execute(ctx, "SELECT 'one'")
	waitFor(t, 10*time.Second, "the next call answered", func() bool {
		pool.MoveFromLate(p)
		select {
		case <-next.Done():
			return true
		default:
			return false
		}
	})
	if got := textOf(t, await(t, ctx, next)); got != "one" {
		t.Fatalf("got %q", got)
	}
}

// TestFakeHeldBehindAnotherPrepareMoves: a request whose own Prepare went
// out behind another's that the server holds up moves once its pipeline
// is late: what it waits for is not its own Parse.
func TestFakeHeldBehindAnotherPrepareMoves(t *testing.T) {
	sc := newParseHeldUp(t)
	p, ctx := sc.p, context.Background()
	// Given to the connection while s runs: once s is read, the dropped
	// call goes and next's Prepare goes out behind its, which the server
	// holds.
	next := p.Execute(ctx, "SELECT 'one'")
	close(sc.releaseS)
	await(t, ctx, sc.s)
	<-sc.parsing
	awaitMoved(t, p)
	if got := textOf(t, await(t, ctx, next)); got != "one" {
		t.Fatalf("got %q", got)
	}
}
