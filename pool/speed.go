package pool

import (
	"sync"
	"sync/atomic"
	"time"
)

// fastStatement is the service time below which a statement counts as
// fast: others may wait behind it in a pipeline. A statement behind a slow
// one would wait for it (head-of-line blocking), so slow and unknown
// statements get connections of their own, and statements issued together
// still run in parallel.
const fastStatement = 250 * time.Microsecond

// maxTrackedStatements bounds the memory spent on timings: statements
// beyond it stay unknown, so they are never pipelined behind.
const maxTrackedStatements = 4096

// speeds remembers how long each SQL text takes to serve, as a moving
// average, so that dispatch can tell which connections are worth queueing
// behind.
type speeds struct {
	m sync.Map // string → *atomic.Int64, nanoseconds
	n atomic.Int32
}

// fast reports whether sql is known to finish within fastStatement.
func (s *speeds) fast(sql string) bool {
	v, ok := s.m.Load(sql)
	return ok && time.Duration(v.(*atomic.Int64).Load()) < fastStatement
}

// record adds one service time of sql to its average.
func (s *speeds) record(sql string, d time.Duration) {
	v, ok := s.m.Load(sql)
	if !ok {
		if s.n.Load() >= maxTrackedStatements {
			return
		}
		var fresh atomic.Int64
		fresh.Store(int64(d))
		if v, ok = s.m.LoadOrStore(sql, &fresh); !ok {
			s.n.Add(1)
			return
		}
	}
	avg := v.(*atomic.Int64)
	old := avg.Load()
	// An average over about eight runs: one slow run (a lock wait) makes
	// the statement slow at once, and it needs a few fast runs to recover.
	if int64(d) > old {
		avg.Store(int64(d))
		return
	}
	avg.Store(old - (old-int64(d))/8)
}
