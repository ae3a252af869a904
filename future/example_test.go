package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/momoko-go/momoko/future"
)

func ExampleGo() {
	ctx := context.Background()
	f := future.Go(ctx, func(ctx context.Context) (string, error) {
		return strings.ToUpper("momoko"), nil
	})
	v, err := f.Await(ctx)
	fmt.Println(v, err)
	// Output: MOMOKO <nil>
}

func ExampleNew() {
	// A queue hands out futures and completes them later, from its own
	// goroutine.
	f, complete := future.New[int]()
	go complete(42, nil)

	v, err := f.Await(context.Background())
	fmt.Println(v, err)
	fmt.Println("second complete:", complete(7, nil))
	// Output:
	// 42 <nil>
	// second complete: false
}

func ExampleFuture_Cancel() {
	ctx := context.Background()
	f := future.Go(ctx, func(ctx context.Context) (int, error) {
		<-ctx.Done() // a long query, say
		return 0, ctx.Err()
	})
	f.Cancel()
	_, err := f.Await(ctx)
	fmt.Println(err)
	// Output: context canceled
}

func ExampleFuture_Await() {
	f, complete := future.New[string]()

	// A wait bounded by a context that has ended gives up at once, and
	// leaves the future alone.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Await(ended)
	fmt.Println(err)

	complete("done", nil)
	fmt.Println(f.Await(context.Background()))
	// Output:
	// context canceled
	// done <nil>
}

func ExampleAll() {
	ctx := context.Background()
	square := func(n int) *future.Future[int] {
		return future.Go(ctx, func(context.Context) (int, error) { return n * n, nil })
	}
	vals, err := future.All(ctx, square(1), square(2), square(3))
	fmt.Println(vals, err)
	// Output: [1 4 9] <nil>
}

func ExampleAllSettled() {
	ctx := context.Background()
	for _, o := range future.AllSettled(ctx, future.Resolved(1), future.Failed[int](errors.New("no luck"))) {
		fmt.Printf("%d %v\n", o.Value, o.Err)
	}
	// Output:
	// 1 <nil>
	// 0 no luck
}

func ExampleFirst() {
	ctx := context.Background()
	slow := future.Go(ctx, func(ctx context.Context) (string, error) {
		<-ctx.Done() // cancelled by First once another replica answers
		return "", ctx.Err()
	})
	down := future.Failed[string](errors.New("replica down"))
	fast := future.Resolved("replica 3")
	v, err := future.First(ctx, slow, down, fast)
	fmt.Println(v, err)
	// Output: replica 3 <nil>
}

func ExampleThen() {
	ctx := context.Background()
	words := future.Resolved("parallel queries with futures")
	count := future.Then(words, func(_ context.Context, s string) (int, error) {
		return len(strings.Fields(s)), nil
	})
	fmt.Println(count.Await(ctx))
	// Output: 4 <nil>
}

func ExampleMap() {
	ctx := context.Background()
	lengths := future.Map(ctx, 2, []string{"a", "bb", "ccc"}, func(_ context.Context, s string) (int, error) {
		return len(s), nil
	})
	fmt.Println(lengths.Await(ctx))
	// Output: [1 2 3] <nil>
}

func ExamplePanicError() {
	f := future.Go(context.Background(), func(context.Context) (int, error) {
		var m map[string]int
		m["x"] = 1 // panics: assignment to entry in nil map
		return 0, nil
	})
	_, err := f.Await(context.Background())
	var pe *future.PanicError
	fmt.Println(errors.As(err, &pe), len(pe.Stack) > 0)
	fmt.Println(err)
	// Output:
	// true true
	// future: panic: assignment to entry in nil map
}
