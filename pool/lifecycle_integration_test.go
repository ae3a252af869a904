package pool_test

import (
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

func TestCallsOnANeverConnectedPoolConnectIt(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p, err := pool.New(dsn, pool.Options{Size: 2, MaxSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if n := execInt(t, ctx, p, "SELECT 5"); n != 5 {
		t.Fatalf("SELECT 5 on a never-connected pool = %d", n)
	}
	waitBackends(t, ctx, srv, databaseName(t, dsn), 2) // the floor, opened by the first call
}

// Calls made while Connect runs wait for its connections (Momoko #122)
// instead of dialing connections of their own: with dials slowed down by
// latency, a call racing Connect still leaves exactly Size backends.
func TestCallsDuringConnectWaitForIt(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	proxy.Latency(20 * time.Millisecond)
	slow, err := pgtest.WithAddr(dsn, proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p, err := pool.New(slow, pool.Options{Size: 2, MaxSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	connecting := p.Connect(ctx)
	calls := []int64{}
	for i := range 3 {
		cur, err := p.Execute(ctx, "SELECT $1::int", i).Await(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := cur.FetchOne(&n); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, n)
	}
	if _, err := connecting.Await(ctx); err != nil {
		t.Fatal(err)
	}
	if got := proxy.Stats().Accepted; got != 2 {
		t.Fatalf("%d connections dialed for Size 2 and sequential calls racing Connect (results %v)", got, calls)
	}
	if s := p.Stats(); s.Free != 2 || s.Busy != 0 {
		t.Fatalf("stats after Connect and the calls: %v", s)
	}
}

// A connection opened in the middle of a statement (a stretch) runs
// setsession under the statement's context; the statement must neither
// see setsession's transaction as its own nor fail because of it.
func TestSetSessionOnAStretchConnection(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 3,
		SetSession: []string{"SET application_name = 'stretched'"}})
	held := []*pool.Conn{await(t, ctx, p.GetConn(ctx)), await(t, ctx, p.GetConn(ctx))}
	cur := await(t, ctx, p.Execute(ctx, "SELECT current_setting('application_name')"))
	var name string
	if err := cur.FetchOne(&name); err != nil || name != "stretched" {
		t.Fatalf("application_name on a stretch connection: %q, %v", name, err)
	}
	for _, c := range held {
		if err := p.PutConn(c); err != nil {
			t.Fatal(err)
		}
	}
}
