package future

import "errors"

var (
	// ErrNotDone is returned by Result while the future has no result yet.
	ErrNotDone = errors.New("future: not done")

	// ErrNilFuture is the error of a nil *Future: awaiting one, or passing
	// one to a combinator, fails with it instead of panicking.
	ErrNilFuture = errors.New("future: nil future")

	// ErrNilArgument is wrapped by the error of a future started with a nil
	// function, scanner, Queryer or Execer; the message names which.
	ErrNilArgument = errors.New("nil argument")

	// ErrNoFutures is returned by First when it is given no futures, since
	// there is then no value it could return.
	ErrNoFutures = errors.New("future: no futures")

	// ErrReleased is what Await and Result report for a future whose value
	// was given back through its release function (see NewWithRelease),
	// since the value is no longer the caller's to use.
	ErrReleased = errors.New("future: value released")

	// ErrGoexit resolves a future whose function called runtime.Goexit (as
	// t.FailNow does) instead of returning.
	ErrGoexit = errors.New("future: function called runtime.Goexit")
)
