package resilience_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestCutAllWhileServerUpFailsNobody: a network blip cuts every connection
// while the server is up, a dial in mid-handshake included. One dial cut
// that way must not make the reconnect gate fail callers for a whole
// ReconnectInterval: neither the caller whose dial was cut nor a GetConn
// (with its ping) made right after the blip fails.
//
// Each round holds the pool's idle connections, so that another GetConn
// dials; a latency on the proxy keeps that handshake long enough to be
// caught by the cut. The pool settles between rounds, so every round is
// one blip.
func TestCutAllWhileServerUpFailsNobody(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn, _ := proxied(t, pgtest.Shared(t), "connect_timeout", "2")
	proxy.Latency(5 * time.Millisecond)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 8})
	var failures atomic.Int32
	getConn := func(what string, round int) {
		c, err := p.GetConn(ctx).Await(ctx)
		if err != nil {
			failures.Add(1)
			t.Errorf("round %d: %s: %v", round, what, err)
			return
		}
		if err := p.PutConn(c); err != nil {
			t.Error(err)
		}
	}
	const rounds = 50
	for round := range rounds {
		waitFor(t, 10*time.Second, "the pool to settle", func() bool { return p.Stats().Pending == 0 })
		var held []*pool.Conn
		for len(held) == 0 || p.Stats().Free > 0 {
			c, err := p.GetConn(ctx).Await(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		dialed := make(chan struct{})
		go func() {
			defer close(dialed)
			getConn("GetConn whose dial was cut", round)
		}()
		waitFor(t, 10*time.Second, "a dial in flight", func() bool { return p.Stats().Pending > 0 })
		proxy.CutAll()
		getConn("GetConn right after the blip", round)
		<-dialed
		for _, c := range held {
			_ = p.PutConn(c) // its connection was cut: PutConn discards it
		}
	}
	report(t, "blip", "rounds=%d failed_getconns=%d", rounds, failures.Load())
}
