package pool

import (
	"sync/atomic"
	"time"
)

// MarkFast makes p take sql for a fast statement, as if its last runs had
// taken no time, so that a test can build a pipeline behind it on a
// machine too busy for any statement to look fast.
func MarkFast(p *Pool, sql string) {
	p.speeds.record(sql, 0)
	v, _ := p.speeds.m.Load(sql)
	v.(*atomic.Int64).Store(0)
}

// SetLateHead changes after how long without a result p takes a
// pipeline for late.
func SetLateHead(p *Pool, after time.Duration) {
	p.disp.mu.Lock()
	p.disp.lateAfter = after
	p.disp.mu.Unlock()
}

// MoveFromLate looks for late pipelines now, as the timer does.
func MoveFromLate(p *Pool) { p.disp.moveFromLate() }

// The tests fail on an owner's state change the scheduler does not list.
func init() { strictStates = true }

// Fast reports whether p takes sql for a fast statement.
func Fast(p *Pool, sql string) bool { return p.speeds.fast(sql) }
