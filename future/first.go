package future

import (
	"context"
	"errors"
)

// First returns the value of the first future to succeed, for racing
// replicas or hedging a slow request.
//
// The first success cancels every other future, and so does ctx ending;
// like All, First returns only after every future has finished. When every
// future fails, First returns their errors joined with errors.Join in
// argument order; when ctx ends first, ctx's error. No futures give
// ErrNoFutures.
//
// The values First drops, those of the futures that succeed after the
// winner and of any that succeed when ctx ended first, are released when
// their futures have a release function (see NewWithRelease).
func First[T any](ctx context.Context, fs ...*Future[T]) (T, error) {
	var zero T
	if len(fs) == 0 {
		return zero, ErrNoFutures
	}
	winner := waitAll(ctx, fs, func(i int) bool {
		return errAt(fs, i) == nil
	})
	releaseAll(fs, winner)
	switch winner {
	case ctxEnded:
		return zero, ctx.Err()
	case allFinished:
		errs := make([]error, len(fs))
		for i := range fs {
			errs[i] = errAt(fs, i)
		}
		return zero, errors.Join(errs...)
	}
	return fs[winner].result()
}
