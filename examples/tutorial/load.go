package main

import (
	"context"
	"sync"
)

// load keeps n callers running statements until stop is called or ctx
// ends: the even ones a 50ms statement, which needs a connection of its
// own, so that beyond MaxSize callers wait in the pool's queue; the odd
// ones SELECT 1, which the pool pipelines on busy connections. Errors are
// ignored: /stats counts them.
func (a *app) load(ctx context.Context, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		query := "SELECT 1"
		if i%2 == 0 {
			query = "SELECT pg_sleep(0.05)"
		}
		wg.Go(func() {
			for ctx.Err() == nil {
				a.db.Execute(ctx, query).Await(ctx)
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}
