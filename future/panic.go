package future

import (
	"context"
	"fmt"
	"runtime/debug"
)

// PanicError resolves a future whose function panicked. The panic is
// recovered in the goroutine that ran the function, so it never crashes the
// process, and it is kept on the future, so it is never lost.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the stack of the panicking goroutine, as debug.Stack gives it.
	Stack []byte
}

// Error reports the panic value; the stack is left to those who ask for it.
func (e *PanicError) Error() string {
	return fmt.Sprintf("future: panic: %v", e.Value)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// settler receives the outcome of a guarded call.
type settler[T any] interface {
	settle(v T, err error)
}

// guard calls fn and hands its outcome to s exactly once: fn's results when
// it returns, a *PanicError when it panics, ErrGoexit when it calls
// runtime.Goexit. The outcome is handed over from a deferred call because a
// Goexit unwinds the goroutine without ever returning here.
func guard[T any](ctx context.Context, fn func(context.Context) (T, error), s settler[T]) {
	returned := false
	defer func() {
		if returned {
			return
		}
		var zero T
		if r := recover(); r != nil {
			s.settle(zero, &PanicError{Value: r, Stack: debug.Stack()})
			return
		}
		s.settle(zero, ErrGoexit)
	}()
	v, err := fn(ctx)
	returned = true
	s.settle(v, err)
}
