package future

import "context"

// Await waits for the result, or for ctx to end, whichever comes first.
//
// When ctx ends first, Await returns ctx's error and leaves the future
// untouched: the work goes on, and a later Await gets the real result. To
// stop the work, call Cancel. A nil ctx waits without bound.
//
// A future with a release function (see NewWithRelease) is the exception:
// an Await that gives up drops the value, which is released when it
// arrives, so that a caller awaiting with the context the value was
// requested with never loses it; later Awaits report ErrReleased. To wait
// in steps without giving the value up, select on Done.
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
		return f.result()
	}
	select {
	case <-f.done:
		return f.result()
	case <-ctxDone:
	}
	// Both may be ready; a result that is there wins over ctx.
	select {
	case <-f.done:
		return f.result()
	default:
	}
	if f.release != nil && !f.giveUp() {
		<-f.done // complete has set the result and is closing done
		return f.result()
	}
	var zero T
	return zero, ctx.Err()
}

// giveUp marks f's value dropped, to be released when it arrives, unless
// it has arrived already; it reports whether it did.
func (f *Future[T]) giveUp() bool {
	for {
		old := f.state.Load()
		if old&stateResolved != 0 {
			return false
		}
		if old&stateDropped != 0 || f.state.CompareAndSwap(old, old|stateDropped) {
			return true
		}
	}
}

// result is f's result once done: ErrReleased instead of a value given
// back.
func (f *Future[T]) result() (T, error) {
	if f.release != nil && f.err == nil && f.state.Load()&stateDropped != 0 {
		var zero T
		return zero, ErrReleased
	}
	return f.val, f.err
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
		return f.result()
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
