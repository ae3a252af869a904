package pool

import (
	"context"
	"errors"
	"testing"
)

// A GetConn caller whose connection failed its ping asks for another:
// it was handed one already, so a full line takes it in, where a new
// caller is refused. (Which of the two meets a full line depends on what
// arrives while the ping fails, so the dispatcher is asked directly.)
func TestAcquireAgainIsNotRefused(t *testing.T) {
	p := &Pool{opts: Options{MaxSize: 1, MaxWaiting: 1}}
	d := newDispatcher(p, p.opts)
	d.all = []*owner{{}} // at MaxSize, busy
	d.waiters = []waiter{{conn: &connWaiter{ch: make(chan ownerOrErr, 1)}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a caller who waits gives up at once
	notTimedOut := func() bool { return false }

	if _, err := d.acquire(ctx, notTimedOut, false); !errors.Is(err, ErrTooManyWaiting) {
		t.Errorf("a new caller: %v, want ErrTooManyWaiting", err)
	}
	if _, err := d.acquire(ctx, notTimedOut, true); !errors.Is(err, context.Canceled) {
		t.Errorf("a caller asking again: %v, want it to wait in line until its context ended", err)
	}
	if c := d.counts; c.refused != 1 || c.waits != 1 || c.cancelled != 1 {
		t.Errorf("refused %d, waits %d, cancelled %d; want 1 each", c.refused, c.waits, c.cancelled)
	}
}
