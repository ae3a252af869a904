package resilience_test

import (
	"context"
	"sync"
	"time"

	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/pool"
)

// workload is callers calling through one pool until stopped, each
// alternating an INSERT of a fresh id into ops with a SELECT.
type workload struct {
	pool      *pool.Pool
	callers   int
	opTimeout time.Duration // each call's deadline
	// statement builds the call for one op; nil means Execute of a plain
	// INSERT or SELECT.
	statement func(ctx context.Context, p *pool.Pool, o op) *future.Future[*pool.Cursor]
	// afterFailure is a caller's pause after a failed call, as a client
	// backing off would; it keeps 32 callers from spinning on fast
	// failures on a 2-core machine.
	afterFailure time.Duration

	ledger ledger
	stop   chan struct{}
	wg     sync.WaitGroup
}

func (w *workload) start(ctx context.Context) {
	w.stop = make(chan struct{})
	for c := range w.callers {
		w.wg.Go(func() { w.caller(ctx, c) })
	}
}

// finish stops the callers and waits for them.
func (w *workload) finish() []op {
	close(w.stop)
	w.wg.Wait()
	return w.ledger.snapshot()
}

func (w *workload) caller(ctx context.Context, caller int) {
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		o := op{caller: caller, kind: opKind(i % 2)}
		if o.kind == opInsert {
			o.id = w.ledger.ids.Add(1)
		}
		o.start = time.Now()
		callCtx, cancel := context.WithTimeout(ctx, w.opTimeout)
		f := w.call(callCtx, o)
		hang := time.NewTimer(w.opTimeout + hangAfter)
		select {
		case <-f.Done():
			_, o.err = f.Result()
		case <-hang.C:
			o.hung = true
		}
		hang.Stop()
		cancel()
		o.end = time.Now()
		w.ledger.add(o)
		if o.err != nil || o.hung {
			select {
			case <-w.stop:
				return
			case <-time.After(w.afterFailure):
			}
		}
	}
}

func (w *workload) call(ctx context.Context, o op) *future.Future[*pool.Cursor] {
	if w.statement != nil {
		return w.statement(ctx, w.pool, o)
	}
	if o.kind == opInsert {
		return w.pool.Execute(ctx, "INSERT INTO ops (id, caller) VALUES ($1, $2)", o.id, o.caller)
	}
	return w.pool.Execute(ctx, "SELECT count(*) FROM ops WHERE caller = $1", o.caller)
}
