package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// TestFakeMaxWaitingRefusesBeyondTheLine: with every connection busy and
// MaxWaiting callers in line, each kind of call that would have to wait
// fails before it returns (Execute and Transaction resolve before the
// call returns; Acquire and GetConn answer while no connection has come
// free), Stats counts each refusal and nothing else, and the callers in
// line are served once the connections free up.
func TestFakeMaxWaitingRefusesBeyondTheLine(t *testing.T) {
	srv, sts := fakeServer(t)
	started := make(chan *pgfake.Conn, 2)
	release, unblock := gate()
	defer unblock()
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 2, MaxWaiting: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	busy := []*future.Future[*pool.Cursor]{p.Execute(ctx, "SELECT slow"), p.Execute(ctx, "SELECT slow")}
	<-started
	<-started
	var admitted []*future.Future[*pool.Cursor]
	for range 3 {
		admitted = append(admitted, p.Execute(ctx, "SELECT 'one'"))
	}
	waitFor(t, 10*time.Second, "three calls in line", func() bool { return p.Stats().Waiting == 3 })
	before := p.Stats()

	if _, err := p.Execute(ctx, "SELECT 'one'").Result(); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Errorf("Execute: %v, want ErrTooManyWaiting before the call returns", err)
	}
	tx := []pool.Statement{{SQL: "INSERT INTO t VALUES (1)"}}
	if _, err := p.Transaction(ctx, tx).Result(); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Errorf("Transaction: %v, want ErrTooManyWaiting before the call returns", err)
	}
	if c, err := p.Acquire(ctx); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Errorf("Acquire: %v, %v; want ErrTooManyWaiting", c, err)
	}
	if c, err := p.GetConn(ctx).Await(ctx); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Errorf("GetConn: %v, %v; want ErrTooManyWaiting", c, err)
	}
	st := p.Stats()
	if st.Queue.Refused != 4 || st.Waiting != 3 || st.Queue.Waits != before.Queue.Waits || st.Statements != before.Statements {
		t.Errorf("after 4 refusals: refused %d, waiting %d, waits %d (before %d), statements %d (before %d); "+
			"want 4 refused, the same 3 waiting, no more waits nor statements",
			st.Queue.Refused, st.Waiting, st.Queue.Waits, before.Queue.Waits, st.Statements, before.Statements)
	}

	unblock()
	for i, f := range busy {
		if got := textOf(t, await(t, ctx, f)); got != "done" {
			t.Errorf("busy call %d: %q", i, got)
		}
	}
	for i, f := range admitted {
		if got := textOf(t, await(t, ctx, f)); got != "one" {
			t.Errorf("admitted call %d: %q", i, got)
		}
	}
	// The limit is on the line: with connections free, calls run.
	if got := textOf(t, await(t, ctx, p.Execute(ctx, "SELECT 'one'"))); got != "one" {
		t.Errorf("after the line emptied: %q", got)
	}
	if st := p.Stats(); st.Queue.Refused != 4 {
		t.Errorf("refused %d after the line emptied, want still 4", st.Queue.Refused)
	}
}

// TestFakeMaxWaitingCountsOnlyTheLine: fast statements that a busy
// pipeline takes at once are not waiting: twenty of them join a
// connection whose head waits, at MaxSize 1 with MaxWaiting 1, and none
// is refused.
func TestFakeMaxWaitingCountsOnlyTheLine(t *testing.T) {
	wh := newWaitingHead(t, pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	p, ctx := wh.p, context.Background()
	var fs []*future.Future[*pool.Cursor]
	for range 20 {
		fs = append(fs, p.Execute(ctx, "SELECT 'one'"))
	}
	if st := p.Stats(); st.Waiting != 0 || st.Queue.Refused != 0 {
		t.Errorf("20 calls pipelined behind a waiting head: %d waiting, %d refused; want 0 and 0", st.Waiting, st.Queue.Refused)
	}
	wh.unblock()
	await(t, ctx, wh.head)
	for i, f := range fs {
		if got := textOf(t, await(t, ctx, f)); got != "one" {
			t.Errorf("call %d: %q", i, got)
		}
	}
}

// TestFakeMaxWaitingKeepsMovedRequests: a request moved off a late
// pipeline goes back to the front of a line that is full already; it is
// not refused, the line holds one more than MaxWaiting, and a new call is
// refused.
func TestFakeMaxWaitingKeepsMovedRequests(t *testing.T) {
	wh := newWaitingHead(t, pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	p, ctx := wh.p, context.Background()
	moved := p.Execute(ctx, "SELECT 'one'")              // queued behind the head
	queued := p.Execute(ctx, "INSERT INTO t VALUES (1)") // not fast: in line
	waitFor(t, 10*time.Second, "a call in line", func() bool { return p.Stats().Waiting == 1 })
	awaitMoved(t, p)
	if st := p.Stats(); st.Waiting != 2 || st.Queue.Refused != 0 {
		t.Errorf("after the move: %d waiting, %d refused; want 2 (MaxWaiting 1 and the moved one) and 0", st.Waiting, st.Queue.Refused)
	}
	if _, err := p.Execute(ctx, "SELECT 'one'").Result(); !errors.Is(err, pool.ErrTooManyWaiting) {
		t.Errorf("a new call with the line full: %v, want ErrTooManyWaiting", err)
	}
	wh.unblock()
	await(t, ctx, wh.head)
	if got := textOf(t, await(t, ctx, moved)); got != "one" {
		t.Errorf("moved: %q", got)
	}
	await(t, ctx, queued)
	if st := p.Stats(); st.Queue.Refused != 1 {
		t.Errorf("refused %d, want the one new call", st.Queue.Refused)
	}
}

// TestFakeMaxWaitingKeepsRetriedRequests: a request whose connection
// broke before writing it goes back in line although the line is full;
// it runs on the new connection, and nothing is refused.
func TestFakeMaxWaitingKeepsRetriedRequests(t *testing.T) {
	wh := newWaitingHead(t, pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	p, ctx := wh.p, context.Background()
	unsent := p.Execute(ctx, "SELECT 'one'")             // queued behind the head, not written
	queued := p.Execute(ctx, "INSERT INTO t VALUES (1)") // not fast: in line
	waitFor(t, 10*time.Second, "a call in line", func() bool { return p.Stats().Waiting == 1 })
	wh.session.Cut()
	if _, err := wh.head.Await(ctx); !errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("the head, written before the cut: %v, want ErrConnectionLost", err)
	}
	if got := textOf(t, await(t, ctx, unsent)); got != "one" {
		t.Errorf("the unsent call: %q", got)
	}
	await(t, ctx, queued)
	if st := p.Stats(); st.Queue.Refused != 0 || st.Retried != 1 {
		t.Errorf("refused %d, retried %d; want 0 and 1", st.Queue.Refused, st.Retried)
	}
}
