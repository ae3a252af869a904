package future

import "context"

// Await waits for the result, or for ctx to end, whichever comes first.
//
// When ctx ends first, Await returns ctx's error and leaves the future
// untouched: the work goes on, and a later Await gets the real result. To
// stop the work, call Cancel. A nil ctx waits without bound.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if f == nil {
		var zero T
		return zero, ErrNilFuture
	}
	var ctxDone <-chan struct{}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	if ctxDone == nil {
		<-f.done
		return f.val, f.err
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctxDone:
	}
	// Both may be ready; a result that is there wins over ctx.
	select {
	case <-f.done:
		return f.val, f.err
	default:
		var zero T
		return zero, ctx.Err()
	}
}

// Done returns a channel that is closed once the result is set, for use in
// select statements. The channel of a nil future is never closed.
func (f *Future[T]) Done() <-chan struct{} {
	if f == nil {
		return nil
	}
	return f.done
}

// Result returns the result without waiting: ErrNotDone while there is none
// yet.
func (f *Future[T]) Result() (T, error) {
	if f == nil {
		var zero T
		return zero, ErrNilFuture
	}
	select {
	case <-f.done:
		return f.val, f.err
	default:
		var zero T
		return zero, ErrNotDone
	}
}

// Cancel cancels the context passed to the future's function, asking it to
// stop; the future resolves when the function returns, usually with
// context.Canceled. Cancel does not wait, and does nothing on a future that
// runs no function (New, Resolved, Failed) or has finished. See Then for
// how Cancel travels along a chain.
func (f *Future[T]) Cancel() {
	switch {
	case f == nil:
	case f.stop != nil:
		f.stop()
	case f.run.Context != nil:
		f.run.cancel()
	}
}
