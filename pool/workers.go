package pool

import (
	"sync/atomic"
)

// workers run the pool's futures on long-lived goroutines. A call on a
// fresh goroutine pays for starting it and for growing its stack through
// database/sql and pgx, which costs more than the pool's own work; a parked
// worker has grown its stack already.
type workers struct {
	handoff chan func() // unbuffered: a send succeeds only to a parked worker
	parked  atomic.Int32
	limit   int32         // workers parked at most; more exit when idle
	stop    chan struct{} // closed by Close: parked workers exit
}

func newWorkers(maxSize int) *workers {
	return &workers{
		handoff: make(chan func()),
		limit:   int32(max(64, 4*maxSize)),
		stop:    make(chan struct{}),
	}
}

// Execute runs task on a parked worker, or on a new one.
func (w *workers) Execute(task func()) {
	select {
	case w.handoff <- task:
	default:
		go w.work(task)
	}
}

func (w *workers) work(task func()) {
	for {
		task()
		if w.parked.Add(1) > w.limit {
			w.parked.Add(-1)
			return
		}
		select {
		case task = <-w.handoff:
			w.parked.Add(-1)
		case <-w.stop:
			w.parked.Add(-1)
			return
		}
	}
}

// close lets parked workers exit; busy ones exit after their task.
func (w *workers) close() { close(w.stop) }
