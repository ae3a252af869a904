package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// The ops table has no unique constraint on purpose: a constraint would
// turn a statement run twice into an error and hide it. Duplicates are
// looked for after the run instead.
const createOps = "CREATE TABLE ops (id bigint NOT NULL, caller int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"

type opKind int

const (
	opInsert opKind = iota
	opSelect
)

// op is one call made by a caller and what became of it.
type op struct {
	caller     int
	kind       opKind
	id         int64 // the row an INSERT adds
	start, end time.Time
	err        error
	hung       bool // the future did not resolve within hangAfter
}

// hangAfter is how long past its own deadline a future may take to
// resolve before it counts as hung.
const hangAfter = 5 * time.Second

// ledger records every call of a workload.
type ledger struct {
	ids atomic.Int64

	mu  sync.Mutex
	ops []op
}

func (l *ledger) add(o op) {
	l.mu.Lock()
	l.ops = append(l.ops, o)
	l.mu.Unlock()
}

// servedAgain is servedAgain on the ledger's calls so far.
func (l *ledger) servedAgain(callers int, since time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return servedAgain(l.ops, callers, since)
}

func (l *ledger) snapshot() []op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]op(nil), l.ops...)
}

// ledgerCheck is what the table says about the INSERTs of a ledger.
type ledgerCheck struct {
	ops, failed, inserts, acked int
	unknownApplied, unknown     int // failed with the outcome unknown: applied / all
	notAvailable                int // failed fast with driver.ErrDatabaseNotAvailable
	byClass                     map[driver.Class]int
}

func (c ledgerCheck) String() string {
	return fmt.Sprintf("ops=%d failed=%d (not_available=%d) inserts=%d acked=%d lost_in_flight=%d(applied %d) classes=%v",
		c.ops, c.failed, c.notAvailable, c.inserts, c.acked, c.unknown, c.unknownApplied, c.byClass)
}

// verify compares the ledger with the ops table, read over conn:
//   - every future resolved;
//   - no id is in the table twice (no INSERT ran twice);
//   - every acknowledged INSERT is there exactly once;
//   - an INSERT that failed as safe to retry (it never reached the server)
//     is not there at all; one whose connection was lost in flight may be;
//   - no id is there that no INSERT added;
//   - every error is one a server going away explains.
func (l *ledger) verify(t *testing.T, ctx context.Context, conn *pgx.Conn) ledgerCheck {
	t.Helper()
	counts := map[int64]int{}
	rows, err := conn.Query(ctx, "SELECT id, count(*) FROM ops GROUP BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	c := ledgerCheck{byClass: map[driver.Class]int{}}
	issued := map[int64]bool{}
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	for _, o := range l.snapshot() {
		c.ops++
		if o.hung {
			problem("caller %d: a future did not resolve within %v of its deadline", o.caller, hangAfter)
		}
		if o.err != nil {
			c.failed++
			class := driver.Classify(o.err)
			c.byClass[class]++
			if errors.Is(o.err, driver.ErrDatabaseNotAvailable) {
				c.notAvailable++
			}
			if class != driver.ClassSafeToRetry && class != driver.ClassConnectionLost {
				problem("caller %d: unexpected error (class %v): %v", o.caller, class, o.err)
			}
			if errors.Is(o.err, context.DeadlineExceeded) {
				problem("caller %d: a call ran into its deadline: %v", o.caller, o.err)
			}
		}
		if o.kind != opInsert {
			continue
		}
		c.inserts++
		issued[o.id] = true
		n := counts[o.id]
		if n > 1 {
			problem("id %d is in the table %d times: an INSERT ran twice (err %v)", o.id, n, o.err)
		}
		switch class := driver.Classify(o.err); {
		case o.err == nil:
			c.acked++
			if n != 1 {
				problem("acknowledged id %d is in the table %d times, want once", o.id, n)
			}
		case class == driver.ClassSafeToRetry && n != 0:
			problem("id %d failed as safe to retry (%v) but is in the table", o.id, o.err)
		case class == driver.ClassConnectionLost:
			c.unknown++
			if n == 1 {
				c.unknownApplied++
			}
		}
	}
	for id, n := range counts {
		if !issued[id] {
			problem("id %d is in the table %d times but no INSERT added it", id, n)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	return c
}

// servedAgain reports whether each of callers has made a successful call
// that started after since and after the last failed call: what recovery
// requires, so that a test waits for it instead of sleeping and hoping.
func servedAgain(ops []op, callers int, since time.Time) bool {
	lastFail := since
	for _, o := range ops {
		if o.err != nil && o.end.After(lastFail) {
			lastFail = o.end
		}
	}
	served := map[int]bool{}
	for _, o := range ops {
		if o.err == nil && !o.hung && o.start.After(lastFail) {
			served[o.caller] = true
		}
	}
	return len(served) == callers
}

// recovery measures, for a disruption after which the server accepted
// connections again at up, how long until every caller was served: the
// end of the last failed call between up and until (the next disruption
// or the end of the run). It fails t unless every caller then succeeded at
// least once before until. firstOK is when the first call succeeded.
func recovery(t *testing.T, ops []op, callers int, up, until time.Time) (full, firstOK time.Duration) {
	t.Helper()
	lastFail := up
	first := time.Time{}
	for _, o := range ops {
		if o.end.Before(up) || o.end.After(until) {
			continue
		}
		if o.err != nil && o.end.After(lastFail) {
			lastFail = o.end
		}
		if o.err == nil && o.start.After(up) && (first.IsZero() || o.end.Before(first)) {
			first = o.end
		}
	}
	served := map[int]bool{}
	for _, o := range ops {
		if o.err == nil && o.start.After(lastFail) && o.end.Before(until) {
			served[o.caller] = true
		}
	}
	if len(served) < callers {
		t.Errorf("after the server was back at %v only %d of %d callers were served again before %v",
			up.Format("15:04:05.000"), len(served), callers, until.Format("15:04:05.000"))
	}
	if first.IsZero() {
		first = until
	}
	return lastFail.Sub(up), first.Sub(up)
}
