// Package future provides Future[T], a result that becomes available later,
// and the few operations Momoko-style code needs on it: start work, wait for
// it, chain it, run many pieces of it in parallel. In Momoko almost every
// method returns a future; here the pool does too, and the helpers of this
// package turn existing database/sql code into futures.
//
// # Starting work
//
// Go runs a function in a new goroutine and returns its future at once:
//
//	f := future.Go(ctx, func(ctx context.Context) (int, error) {
//		return answer(ctx)
//	})
//	v, err := f.Await(ctx)
//
// The function gets a context derived from ctx, which Cancel cancels. A
// panic in the function resolves the future with a *PanicError (value and
// stack) instead of crashing the process.
//
// Code that completes futures from its own goroutines, such as a queue of
// waiting requests, uses New, which returns a future and the function that
// completes it. Resolved and Failed make futures that are already done.
//
// # Waiting
//
// Await waits for the result or for its ctx to end, whichever comes first.
// Its ctx bounds the wait only: when it ends, Await returns its error and
// the future carries on, so a later Await gets the real result. Result never
// waits, and Done gives a channel for select statements.
//
// # Three queries in parallel
//
// Momoko's tutorial runs several queries at once by yielding a list of
// futures. In Go, start them, then wait for all of them:
//
//	f1 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 1")
//	f2 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 2")
//	f3 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 3")
//	vals, err := future.All(ctx, f1, f2, f3)
//	if err != nil {
//		return err // the first failure; the other queries were cancelled
//	}
//	fmt.Println(vals) // [1 2 3]
//
// The three queries run at the same time on three connections of db, so the
// whole takes as long as the slowest query, not the sum.
//
// # Combinators
//
// Then chains a function after a future. All waits for every future and
// returns their values; its first failure cancels the others, and it returns
// only once they have all finished, so the goroutines it waits for never
// outlive it. AllSettled reports every outcome and cancels nothing. First
// returns the first success and cancels the rest. Map runs one function over
// many inputs with a bound on how many calls run at once. Each combinator
// says how it combines errors; a nil future is an error, never a panic.
//
// # How errors are combined
//
//   - All returns the first error in the order the futures finish, as it is
//     (no wrapping, so == and errors.Is work), and drops the others, which
//     are mostly the context.Canceled it caused itself.
//   - First returns the first success; when every future fails, all their
//     errors joined with errors.Join in argument order.
//   - AllSettled returns every outcome, in argument order.
//   - Map returns the first failing call's error wrapped with its input's
//     index.
//   - A combinator ending because its ctx ended returns ctx's error.
//   - Values a combinator drops because it fails are released (see
//     "Values that must be given back").
//   - A panic becomes a *PanicError, which unwraps to the panic value when
//     that is an error; a nil future gives ErrNilFuture, a nil function or
//     database handle an error wrapping ErrNilArgument.
//
// # Values that must be given back
//
// Some values are resources: a connection taken from a pool must go back
// to it. A combinator that drops values (All when one future fails or its
// ctx ends, First for every future but the winner) would lose them, so a
// future can carry a release function, given to NewWithRelease, that gives
// its value back:
//
//	f, complete := future.NewWithRelease(func(c *Conn) { pool.Put(c) })
//
// The combinators call it, through Release, for every value they drop, and
// complete calls it for a value that arrives after the result was set (the
// future failed with its context's error first). An Await that gives up
// because its ctx ended drops the value too, so the usual
//
//	c, err := pool.Get(ctx).Await(ctx) // Get's future has a release function
//
// loses nothing however ctx's end and the value race. Other code that
// stops waiting for such a future calls Release; a future still pending is
// then released when its value arrives. The release function runs at most
// once per value and never for a failed future; once it has run, Await
// and Result report ErrReleased. A future without a release function
// ignores Release and keeps Await's usual rule (a later Await gets the
// result). Whoever receives the value (from Await, or All's slice) owns it
// from then on.
//
// # Existing database/sql code
//
// Query, QueryRow and Exec accept a *sql.DB, *sql.Conn or *sql.Tx through the
// small Queryer and Execer interfaces. Rows are scanned inside the future's
// goroutine and always closed, so connections go back to their pool even
// when a scan function fails or panics, or the context is cancelled.
// Parallel futures need a *sql.DB: a *sql.Conn or *sql.Tx is one connection
// and runs one query at a time.
//
// # Cost
//
// A future is one allocation plus its channel, and Go adds one for the
// goroutine's closure, as many as a bare goroutine sending on a buffered
// channel. When the caller's context can never be cancelled (as with
// context.Background) the context given to the function lives inside the
// future; a cancellable caller's context adds the two allocations of
// context.WithCancel. BenchmarkGoAwait and BenchmarkBareGoroutineChannel
// compare the two in one run.
package future
