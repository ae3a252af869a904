package future

import (
	"context"
	"fmt"
)

// All waits for every future and returns their values in argument order.
//
// The first error, in the order the futures finish, cancels every other
// future (see Cancel), and so does ctx ending: All is structured, it returns
// only after every future has finished, so no goroutine it waits for
// outlives it. A future that ignores cancellation (one from New, or a
// function that does not watch its context) keeps All waiting.
//
// All returns the first error as it is, without wrapping, so errors.Is and
// == work on it: the first future error, or ctx's error if ctx ended first.
// The errors of the other futures, often the context.Canceled that All
// itself caused, are dropped; AllSettled reports every outcome. A nil
// future fails at once with an error wrapping ErrNilFuture that names its
// position. No futures give an empty slice and no error.
//
// When All fails, the values of the futures that succeeded are dropped:
// those with a release function (see NewWithRelease) are released.
func All[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	failed := waitAll(ctx, fs, func(i int) bool {
		return errAt(fs, i) != nil
	})
	if failed != allFinished {
		releaseAll(fs, -1)
	}
	if failed >= 0 {
		return nil, errAt(fs, failed)
	}
	if failed == ctxEnded {
		return nil, ctx.Err()
	}
	vals := make([]T, len(fs))
	for i, f := range fs {
		vals[i], _ = f.result()
	}
	return vals, nil
}

// Outcome is the result of one future as AllSettled reports it.
type Outcome[T any] struct {
	Value T
	Err   error
}

// AllSettled waits for every future and returns each outcome, successes and
// failures alike, in argument order. A failure cancels nothing.
//
// ctx bounds the wait only: once it ends, the futures still running are
// left alone (they keep running, and cancelling them is up to the caller)
// and their outcomes carry ctx's error. Their values are dropped: those
// with a release function (see NewWithRelease) are released when they
// arrive, as Await does. A nil future's outcome carries ErrNilFuture.
func AllSettled[T any](ctx context.Context, fs ...*Future[T]) []Outcome[T] {
	out := make([]Outcome[T], len(fs))
	for i, f := range fs {
		out[i].Value, out[i].Err = f.Await(ctx)
	}
	return out
}

// errAt returns the error of fs[i], which has finished or is nil.
func errAt[T any](fs []*Future[T], i int) error {
	if fs[i] == nil {
		return fmt.Errorf("future %d: %w", i, ErrNilFuture)
	}
	_, err := fs[i].result()
	return err
}

// Results of waitAll other than the index of the future that stopped it.
const (
	allFinished = -1 // every future finished, none stopped the wait
	ctxEnded    = -2 // ctx ended first
)

// waitAll waits for every future of fs. The first one, in finishing order,
// for which stop reports true, or ctx ending, cancels the others; waitAll
// still waits for them all, then returns that future's index, ctxEnded or
// allFinished. A nil future counts as finished at once.
func waitAll[T any](ctx context.Context, fs []*Future[T], stop func(i int) bool) int {
	finished := make(chan int, len(fs))
	for i, f := range fs {
		if f == nil {
			finished <- i
			continue
		}
		select {
		case <-f.done:
			finished <- i
			continue
		default:
		}
		go func() {
			<-f.done
			finished <- i
		}()
	}
	var ctxDone <-chan struct{}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	result := allFinished
	for pending := len(fs); pending > 0; {
		select {
		case i := <-finished:
			pending--
			if result == allFinished && stop(i) {
				result = i
				cancelAll(fs)
			}
		case <-ctxDone:
			ctxDone = nil
			if result == allFinished {
				result = ctxEnded
				cancelAll(fs)
			}
		}
	}
	return result
}

// releaseAll releases the values of fs, but for fs[keep], which the
// caller returns.
func releaseAll[T any](fs []*Future[T], keep int) {
	for i, f := range fs {
		if i != keep {
			f.Release()
		}
	}
}

func cancelAll[T any](fs []*Future[T]) {
	for _, f := range fs {
		f.Cancel()
	}
}
