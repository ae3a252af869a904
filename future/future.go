package future

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/momoko-go/momoko/internal/nilctx"
)

// Future is a result that becomes available later: a value of type T, or an
// error. It is set exactly once; every Await, Result and Done after that sees
// the same result. A Future is safe for use by many goroutines.
//
// The zero Future is not usable; futures come from Go, New, Resolved,
// Failed and the functions built on them.
type Future[T any] struct {
	done    chan struct{}
	settled atomic.Bool
	val     T
	err     error

	// run.Context is the context of the caller of Go, which Then
	// inherits; nil for futures that run no function. When it can never be
	// cancelled, run is the context given to fn; otherwise fn gets one from
	// context.WithCancel, and stop cancels it.
	run  runCtx
	stop context.CancelFunc

	// release gives back a value nobody took (see NewWithRelease); nil
	// for other futures. state orders Release (and an Await giving up)
	// against complete: each sets its bit, and whichever comes second
	// calls release, so it runs once.
	release func(T)
	state   atomic.Uint32
}

// Bits of Future.state.
const (
	stateResolved = 1 << iota // val and err are set
	stateDropped              // Release was called
)

// Go runs fn in a new goroutine and returns a future of its result.
//
// fn gets a context derived from ctx: it is cancelled when ctx is, when
// Cancel is called, and once fn has returned. A panic in fn resolves the
// future with a *PanicError instead of crashing the process. A nil ctx is
// taken as context.Background; a nil fn gives a future failed with an error
// wrapping ErrNilArgument.
func Go[T any](ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	return start(ctx, nil, fn, "Go")
}

// Executor runs tasks. It must run every task it is given exactly once,
// eventually: a future whose task never runs never resolves.
type Executor interface {
	Execute(task func())
}

// GoOn is Go with fn run by ex instead of on a new goroutine: a pool of
// long-lived goroutines, for example, saves starting a goroutine and growing
// its stack for every future. A nil ex gives a future failed with an error
// wrapping ErrNilArgument.
func GoOn[T any](ctx context.Context, ex Executor, fn func(context.Context) (T, error)) *Future[T] {
	if ex == nil {
		return Failed[T](nilArgument("GoOn", "ex"))
	}
	return start(ctx, ex, fn, "GoOn")
}

func start[T any](ctx context.Context, ex Executor, fn func(context.Context) (T, error), name string) *Future[T] {
	if fn == nil {
		return Failed[T](nilArgument(name, "fn"))
	}
	ctx = nilctx.Or(ctx)
	f := &Future[T]{done: make(chan struct{})}
	f.run.Context = ctx
	var fnCtx context.Context
	if ctx.Done() == nil {
		// The caller's context can never end: use the context inside f
		// rather than allocate one with context.WithCancel.
		fnCtx = &f.run
	} else {
		fnCtx, f.stop = context.WithCancel(ctx)
	}
	if ex == nil {
		go guard(fnCtx, fn, f)
	} else {
		ex.Execute(func() { guard(fnCtx, fn, f) })
	}
	return f
}

// New returns a pending future and the function that completes it: a
// promise, for code that resolves futures from its own goroutines, such as
// a queue of waiting requests. The first call of complete sets the result
// and reports true; later calls change nothing and report false. Cancel does
// nothing on such a future, since there is no function to cancel.
func New[T any]() (f *Future[T], complete func(v T, err error) bool) {
	f = &Future[T]{done: make(chan struct{})}
	return f, f.complete
}

// Resolved returns a future already resolved with v.
func Resolved[T any](v T) *Future[T] {
	f := &Future[T]{done: closedChan, val: v}
	f.settled.Store(true)
	return f
}

// Failed returns a future already resolved with err. A nil err gives a
// future resolved with the zero value of T.
func Failed[T any](err error) *Future[T] {
	f := &Future[T]{done: closedChan, err: err}
	f.settled.Store(true)
	return f
}

// NewWithRelease is New for values that must be given back when nobody
// takes them, such as a connection taken from a pool: release gives v
// back. It is called at most once per value: for the future's value when
// the future is released (see Release), and for a value passed to complete
// after the result was already set, which nobody can receive. It is never
// called for a failed future. A nil release makes it New.
//
// The future's value has a single owner: whoever receives it from Await,
// or a combinator, which releases the values it drops. An Await that gives
// up because its ctx ended drops the value too (see Await). release must
// not block for long, as combinators call it before they return.
func NewWithRelease[T any](release func(v T)) (f *Future[T], complete func(v T, err error) bool) {
	f = &Future[T]{done: make(chan struct{}), release: release}
	return f, f.complete
}

// complete sets the result unless one was set already, and reports whether
// it did. A value it did not set is released, since nobody can receive it.
func (f *Future[T]) complete(v T, err error) bool {
	if !f.settled.CompareAndSwap(false, true) {
		if f.release != nil && err == nil {
			f.release(v)
		}
		return false
	}
	f.val, f.err = v, err
	if f.release != nil && f.state.Or(stateResolved)&stateDropped != 0 {
		f.releaseValue()
	}
	close(f.done)
	return true
}

// Release gives back f's value, for code that drops it instead of using
// it: a caller that stopped waiting, or a combinator that fails or whose
// context ended. A future still pending is released as soon as it
// succeeds. Release does nothing on a failed future, on one made without a
// release function (see NewWithRelease), and after the first call. Once
// released, Await and Result report ErrReleased instead of the value.
func (f *Future[T]) Release() {
	if f == nil || f.release == nil {
		return
	}
	if old := f.state.Or(stateDropped); old&stateDropped == 0 && old&stateResolved != 0 {
		f.releaseValue()
	}
}

// releaseValue calls f's release for its value if it succeeded; f is
// resolved and released.
func (f *Future[T]) releaseValue() {
	if f.err == nil {
		f.release(f.val)
	}
}

// settle is how a function started by Go resolves its future: its context
// is released first, so that nothing derived from it outlives the result.
func (f *Future[T]) settle(v T, err error) {
	f.Cancel()
	f.complete(v, err)
}

// nilArgument is the error of a call of function fn with a nil argument arg.
func nilArgument(fn, arg string) error {
	return fmt.Errorf("future.%s: %s: %w", fn, arg, ErrNilArgument)
}
