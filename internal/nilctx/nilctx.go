// Package nilctx gives momoko's entry points one reading of a nil
// context: context.Background(), as if the caller had passed it.
package nilctx

import "context"

// Or returns ctx, or context.Background() when ctx is nil. Entry points
// call it first, so that nothing under them, goroutines and callbacks
// included, ever holds a nil context.
func Or(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
