package pool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// TestFakeCancelledCallersLeaveNobodyInLine: callers whose contexts end
// as they call take no place in line, so that with MaxWaiting a live
// caller is not refused for them.
func TestFakeCancelledCallersLeaveNobodyInLine(t *testing.T) {
	srv, sts := fakeServer(t)
	started := make(chan *pgfake.Conn, 1)
	release, unblock := gate()
	defer unblock()
	sts.set("SELECT slow", blocking(started, release))
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1, MaxWaiting: 1})
	bg := context.Background()
	busy := p.Execute(bg, "SELECT slow")
	<-started
	for range 5000 {
		ctx, cancel := context.WithCancel(bg)
		go cancel()
		f := p.Execute(ctx, "INSERT INTO t VALUES (1)")
		if _, err := f.Await(bg); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		// Execute has put it in line, if at all, before it returned.
		if st := p.Stats(); st.Waiting != 0 {
			t.Fatalf("every caller's future resolved, yet %d waiting", st.Waiting)
		}
	}
	unblock()
	await(t, bg, busy)
}
