package pool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// servesTwo checks that a pool of two has both its connections back: two
// GetConns succeed at once, within a bound.
func servesTwo(t *testing.T, ctx context.Context, p *pool.Pool) {
	t.Helper()
	waitFor(t, 5*time.Second, "every connection back", func() bool {
		st := p.Stats()
		return st.Busy == 0 && st.Waiting == 0
	})
	getCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var held []*pool.Conn
	for range 2 {
		c, err := p.GetConn(getCtx).Await(getCtx)
		if err != nil {
			t.Fatalf("GetConn %d of 2: %v (%v): a connection was lost", len(held)+1, err, p.Stats())
		}
		held = append(held, c)
	}
	for _, c := range held {
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGetConnInFailingAllLosesNoConnection: two GetConn futures in a
// future.All whose third future fails. All drops the two connections it
// got; they must go back to the pool, or a pool of two serves nobody.
func TestGetConnInFailingAllLosesNoConnection(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	errThird := errors.New("the third future failed")
	for round := range 20 {
		roundCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		third := future.Go(roundCtx, func(context.Context) (*pool.Conn, error) { return nil, errThird })
		_, err := future.All(roundCtx, p.GetConn(roundCtx), p.GetConn(roundCtx), third)
		cancel()
		if !errors.Is(err, errThird) {
			t.Fatalf("round %d: All: %v, want the third future's error (%v)", round, err, p.Stats())
		}
		waitFor(t, 5*time.Second, "the dropped connections back", func() bool { return p.Stats().Busy == 0 })
	}
	servesTwo(t, ctx, p)
}

// TestGetConnLosersOfFirstGoBack: future.First of two GetConns returns
// one connection; the other, which succeeds too, goes back to the pool.
func TestGetConnLosersOfFirstGoBack(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	for round := range 20 {
		c, err := future.First(ctx, p.GetConn(ctx), p.GetConn(ctx))
		if err != nil {
			t.Fatalf("round %d: First: %v", round, err)
		}
		if st := p.Stats(); st.Busy != 1 {
			t.Fatalf("round %d: %v with the winner held, want 1 busy", round, st)
		}
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
	servesTwo(t, ctx, p)
}

// TestGetConnWhoseContextEndsAsItResolves takes connections with
// deadlines so short that many end just as the connection is found. Each
// connection either reaches its caller, who puts it back, or goes back by
// itself, both for a caller that waits for the future's own outcome and
// for one awaiting with the same short ctx (p.GetConn(ctx).Await(ctx)),
// whose Await may give up just before the connection arrives.
func TestGetConnWhoseContextEndsAsItResolves(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	var got, expired int
	for i := range 2000 {
		getCtx, cancel := context.WithTimeout(ctx, time.Duration(rand.N(1500))*time.Microsecond)
		awaitCtx := getCtx
		if i%2 == 0 {
			awaitCtx = ctx
		}
		c, err := p.GetConn(getCtx).Await(awaitCtx)
		cancel()
		switch {
		case err == nil:
			got++
			if err := p.PutConn(c); err != nil {
				t.Fatalf("call %d: PutConn: %v", i, err)
			}
		case errors.Is(err, context.DeadlineExceeded):
			expired++
		default:
			t.Fatalf("call %d: %v, want a connection or context.DeadlineExceeded", i, err)
		}
	}
	if got == 0 || expired == 0 {
		t.Fatalf("%d connections, %d expired: the deadlines did not race the connections", got, expired)
	}
	t.Logf("%d connections, %d expired", got, expired)
	servesTwo(t, ctx, p)
}
