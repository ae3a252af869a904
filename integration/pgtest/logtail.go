package pgtest

import (
	"sync"
	"testing"

	"github.com/momoko-go/momoko/integration/pgserver"
)

// logTailBytes is how much of a server's log a failing test prints.
const logTailBytes = 4096

// tails makes a server's log tail print once per failure. A test may ask
// for the same server several times (Shared in the test and in a helper),
// and a failing subtest fails its parent too; each used to print the same
// tail again.
var tails struct {
	mu      sync.Mutex
	watched map[watch]bool                   // cleanups registered, per test and server
	printed map[*pgserver.Server]printedTail // the last tail printed, per server
}

type watch struct {
	tb  testing.TB
	srv *pgserver.Server
}

type printedTail struct {
	test, tail string
}

// logOnFailure prints the end of srv's log when tb has failed, at tb's
// cleanup, unless that very tail was printed already.
func logOnFailure(tb testing.TB, srv *pgserver.Server) {
	w := watch{tb, srv}
	tails.mu.Lock()
	defer tails.mu.Unlock()
	if tails.watched[w] {
		return
	}
	if tails.watched == nil {
		tails.watched = map[watch]bool{}
		tails.printed = map[*pgserver.Server]printedTail{}
	}
	tails.watched[w] = true
	tb.Cleanup(func() {
		tails.mu.Lock()
		defer tails.mu.Unlock()
		delete(tails.watched, w)
		if !tb.Failed() {
			return
		}
		tail := srv.LogTail(logTailBytes)
		if tail == "" {
			return
		}
		if last, ok := tails.printed[srv]; ok && last.tail == tail {
			tb.Logf("pgtest: server log (%s) unchanged since its tail was printed for %s", srv.Addr(), last.test)
			return
		}
		tails.printed[srv] = printedTail{test: tb.Name(), tail: tail}
		tb.Logf("pgtest: server log tail (%s):\n%s", srv.Addr(), tail)
	})
}

// forgetLog drops what was printed for srv, once it is closed.
func forgetLog(srv *pgserver.Server) {
	tails.mu.Lock()
	defer tails.mu.Unlock()
	delete(tails.printed, srv)
}
