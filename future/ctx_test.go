package future_test

import (
	"context"
	"errors"
	"testing"

	"github.com/momoko-go/momoko/future"
)

// The context Go gives fn under a background caller is the package's own;
// these tests check it behaves as a context for the context package and
// for code that derives contexts from it, as database/sql does.

func TestDerivedContextsEndWithFunctionContext(t *testing.T) {
	derived := make(chan context.Context)
	f := future.Go(context.Background(), func(ctx context.Context) (int, error) {
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		derived <- child
		<-child.Done()
		return 0, child.Err()
	})
	child := <-derived
	if err := child.Err(); err != nil {
		t.Fatalf("derived context ended before Cancel: %v", err)
	}
	f.Cancel()
	<-child.Done()
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await: %v, want context.Canceled", err)
	}
}

func TestDerivedFromCancelledFunctionContext(t *testing.T) {
	f := future.Go(context.Background(), func(ctx context.Context) (error, error) {
		// The function context is done by now; what derives from it is
		// done at once.
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		<-child.Done()
		return child.Err(), nil
	})
	f.Cancel()
	if childErr, _ := f.Await(context.Background()); !errors.Is(childErr, context.Canceled) {
		t.Fatalf("derived context error: %v, want context.Canceled", childErr)
	}
}

func TestAfterFuncOnFunctionContext(t *testing.T) {
	ran := make(chan string, 2)
	stopped := make(chan bool, 1)
	f := future.Go(context.Background(), func(ctx context.Context) (int, error) {
		stop := context.AfterFunc(ctx, func() { ran <- "stopped one" })
		stopped <- stop()
		context.AfterFunc(ctx, func() { ran <- "kept one" })
		<-ctx.Done()
		return 0, nil
	})
	if !<-stopped {
		t.Fatal("stop before cancellation reported false")
	}
	f.Cancel()
	if got := <-ran; got != "kept one" {
		t.Fatalf("AfterFunc ran %q, want only the one not stopped", got)
	}
	if _, err := f.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 0 {
		t.Fatalf("the stopped AfterFunc ran: %q", <-ran)
	}
}

func TestDoneAskedAfterCancel(t *testing.T) {
	release := make(chan struct{})
	f := future.Go(context.Background(), func(ctx context.Context) (bool, error) {
		<-release
		// Done is asked for only now, after Cancel.
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		default:
			return false, nil
		}
	})
	f.Cancel()
	close(release)
	if closed, err := f.Await(context.Background()); !closed || !errors.Is(err, context.Canceled) {
		t.Fatalf("Done after Cancel: closed=%v err=%v; want true, context.Canceled", closed, err)
	}
}

func TestCancelReachesNestedFutures(t *testing.T) {
	inner := make(chan *future.Future[int], 1)
	outer := future.Go(context.Background(), func(ctx context.Context) (int, error) {
		g := future.Go(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		inner <- g
		return g.Await(context.Background())
	})
	g := <-inner
	outer.Cancel()
	if _, err := g.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("nested future: %v, want context.Canceled", err)
	}
	if _, err := outer.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("outer future: %v, want context.Canceled", err)
	}
}
