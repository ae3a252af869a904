package future

import "context"

// Then returns a future of fn applied to f's value, run once f succeeds.
// When f fails, the returned future fails with f's error and fn is not
// called.
//
// fn runs in its own goroutine, with a context derived from the one f was
// started with (context.Background for futures from New, Resolved and
// Failed), so a chain stays inside the caller's deadline and values.
//
// Cancel on the returned future is passed on to f, and the returned future
// resolves only after f has, so cancelling the end of a chain stops the whole
// chain and leaves no goroutine of it running. If f is shared, cancelling one
// of its continuations therefore cancels f for every user.
//
// fn takes over f's value. When it is not called because the chain was
// cancelled, f's value is dropped and, if f has a release function (see
// NewWithRelease), released, as soon as it arrives.
func Then[T, U any](f *Future[T], fn func(context.Context, T) (U, error)) *Future[U] {
	if f == nil {
		return Failed[U](ErrNilFuture)
	}
	if fn == nil {
		return Failed[U](nilArgument("Then", "fn"))
	}
	return Go(f.run.Context, func(ctx context.Context) (U, error) {
		var zero U
		select {
		case <-f.done:
		case <-ctx.Done():
			if f.run.Context == nil {
				// A promise has no function to cancel and may never be
				// completed: do not wait for it.
				f.Release()
				return zero, ctx.Err()
			}
			f.Cancel()
			<-f.done
		}
		v, err := f.result()
		if err != nil {
			return zero, err
		}
		if err := ctx.Err(); err != nil {
			f.Release()
			return zero, err
		}
		return fn(ctx, v)
	})
}
