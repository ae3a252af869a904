package pool_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	"go.uber.org/goleak"
)

func TestConnectReportsEachConnectionThatFailed(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	role := "limited_" + databaseName(t, dsn)
	const password = "s3cret-limited"
	if err := srv.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD '"+password+"' CONNECTION LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Exec(context.Background(), "DROP ROLE IF EXISTS "+role); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	limited := u.String()
	roleBackends := func() int {
		conn, err := srv.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	p, err := pool.New(limited, pool.Options{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	_, err = p.Connect(ctx).Await(ctx)
	var pce *pool.PartiallyConnectedError
	if !errors.As(err, &pce) {
		t.Fatalf("Connect: %v, want a *pool.PartiallyConnectedError", err)
	}
	if pce.Failed != 2 || pce.Size != 3 || len(pce.Errs) != 2 {
		t.Fatalf("Connect: Failed=%d Size=%d %d errors, want 2 of 3 failed", pce.Failed, pce.Size, len(pce.Errs))
	}
	for i, cause := range pce.Errs {
		if sqlState(cause) != pgerrcode.TooManyConnections && !errors.Is(cause, driver.ErrDatabaseNotAvailable) {
			t.Errorf("failure %d: %v, want SQLSTATE 53300 or driver.ErrDatabaseNotAvailable", i, cause)
		}
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error shows the password: %v", err)
	}
	if got := execInt(t, ctx, p, "SELECT 41 + 1"); got != 42 {
		t.Fatalf("Execute after a partial connect: %d", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the role's connection to close", func() bool { return roleBackends() == 0 })

	p2 := openPool(t, ctx, limited, pool.Options{Size: 3, IgnoreConnectErrors: true})
	if st := p2.Stats(); st.Dead != 2 {
		t.Errorf("after ignoring connect errors: %v, want 2 dead", st)
	}
	if got := execInt(t, ctx, p2, "SELECT 41 + 1"); got != 42 {
		t.Fatalf("Execute after an ignored partial connect: %d", got)
	}
}

func TestRolledBackTransactionLeavesNothingBehind(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE t (id int PRIMARY KEY)"))
	stmts := []pool.Statement{
		{SQL: "INSERT INTO t VALUES ($1)", Args: []any{1}},
		{SQL: "INSERT INTO t VALUES ($1)", Args: []any{1}},
	}

	for _, tc := range []struct {
		name         string
		opts         []pool.TxOption
		replacesConn bool
	}{
		{"auto rollback", nil, false},
		// The pool rolls a failed transaction back either way: no
		// connection needs closing.
		{"without auto rollback", []pool.TxOption{pool.WithoutAutoRollback()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidBefore := execInt(t, ctx, p, "SELECT pg_backend_pid()")
			_, err := p.Transaction(ctx, stmts, tc.opts...).Await(ctx)
			if sqlState(err) != pgerrcode.UniqueViolation {
				t.Fatalf("Transaction: %v, want SQLSTATE %s", err, pgerrcode.UniqueViolation)
			}
			if st := p.Stats(); st.Busy != 0 {
				t.Fatalf("after the failed transaction: %v, want nothing busy", st)
			}
			for range 3 {
				n, err := p.Execute(ctx, "SELECT count(*) FROM t").Await(ctx)
				if err != nil {
					t.Fatalf("next call: %v (SQLSTATE %q)", err, sqlState(err))
				}
				var count int
				if err := n.FetchOne(&count); err != nil {
					t.Fatal(err)
				}
				if count != 0 {
					t.Fatalf("%d rows after the rollback, want 0", count)
				}
			}
			pidAfter := execInt(t, ctx, p, "SELECT pg_backend_pid()")
			if replaced := pidAfter != pidBefore; replaced != tc.replacesConn {
				t.Fatalf("backend %d before, %d after: replaced=%v, want %v", pidBefore, pidAfter, replaced, tc.replacesConn)
			}
		})
	}
}

func TestWrongArgumentCountReleasesTheConnection(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	for _, args := range [][]any{nil, {1, 2}} {
		_, err := p.Execute(ctx, "SELECT $1::int", args...).Await(ctx)
		want := fmt.Sprintf("expected 1 arguments, got %d", len(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Execute with %d arguments: %v, want %q", len(args), err, want)
		}
		if st := p.Stats(); st.Busy != 0 {
			t.Fatalf("after the bad call: %v, want nothing busy", st)
		}
		if got := execInt(t, ctx, p, "SELECT $1::int", 7); got != 7 {
			t.Fatalf("next call: %d, want 7", got)
		}
	}
}

func TestCloseResolvesEveryCall(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	db := databaseName(t, dsn)
	// The pool dials through a proxy that counts every attempt, also those
	// whose dial fails.
	proxy, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	proxied, err := pgtest.WithAddr(dsn, proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	beforePool := goleak.IgnoreCurrent()
	const interval = 50 * time.Millisecond
	p := openPool(t, ctx, proxied, pool.Options{Size: 1, MaxSize: 1, ReconnectInterval: interval})

	inFlight := p.Execute(ctx, "SELECT pg_sleep(0.5)")
	waitFor(t, 5*time.Second, "the sleep to hold the connection", func() bool { return p.Stats().Busy == 1 })
	queued := make([]*future.Future[*pool.Cursor], 3)
	for i := range queued {
		queued[i] = p.Execute(ctx, "SELECT 1")
	}
	waitFor(t, 5*time.Second, "3 queued calls", func() bool { return p.Stats().Waiting == 3 })

	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, f := range queued {
		if _, err := f.Await(ctx); !errors.Is(err, pool.ErrPoolClosed) {
			t.Errorf("queued call %d: %v, want ErrPoolClosed", i, err)
		}
	}
	_, err = inFlight.Await(ctx)
	t.Logf("in-flight call resolved with error %v", err)
	// Counted from here: ending the in-flight call may have taken a
	// CancelRequest, a connection of its own that is not a reconnect.
	dialsAfterClose := proxy.Stats().Accepted

	if _, err := p.Execute(ctx, "SELECT 1").Await(ctx); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("Execute after Close: %v, want ErrPoolClosed", err)
	}
	if _, err := p.GetConn(ctx).Await(ctx); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("GetConn after Close: %v, want ErrPoolClosed", err)
	}
	if _, err := p.Connect(ctx).Await(ctx); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("Connect after Close: %v, want ErrPoolClosed", err)
	}
	err = p.Close()
	var pe *pool.PoolError
	if !errors.Is(err, pool.ErrPoolClosed) || !errors.As(err, &pe) {
		t.Errorf("second Close: %v, want a *pool.PoolError wrapping ErrPoolClosed", err)
	}
	if !p.Stats().Closed {
		t.Errorf("Stats after Close: %v, want closed", p.Stats())
	}

	waitBackends(t, ctx, srv, db, 0)
	// Once every goroutine the pool started has ended, nothing is left
	// that could dial later; until then, the proxy saw every attempt.
	// Each goleak.Find retries for about a second itself.
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := goleak.Find(beforePool)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines still running after Close: %v", err)
		}
	}
	if n := proxy.Stats().Accepted - dialsAfterClose; n != 0 {
		t.Fatalf("%d dial attempts after Close, want 0: the pool reconnected", n)
	}
}

func TestPutConnAndManageMisuse(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})
	other := openPool(t, ctx, dsn, pool.Options{Size: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE t (id int)"))

	c := await(t, ctx, p.GetConn(ctx))
	if err := p.PutConn(c); err != nil {
		t.Fatalf("PutConn: %v", err)
	}
	if err := p.PutConn(c); !errors.Is(err, pool.ErrConnNotBusy) {
		t.Fatalf("second PutConn: %v, want ErrConnNotBusy", err)
	}
	if _, err := c.Execute(ctx, "SELECT 1").Await(ctx); !errors.Is(err, pool.ErrConnClosed) {
		t.Fatalf("Execute on a returned Conn: %v, want ErrConnClosed", err)
	}

	c = await(t, ctx, p.GetConn(ctx))
	if err := other.PutConn(c); !errors.Is(err, pool.ErrForeignConn) {
		t.Fatalf("PutConn to another pool: %v, want ErrForeignConn", err)
	}
	if err := other.Manage(c, func(*pool.Conn) error { return nil }); !errors.Is(err, pool.ErrForeignConn) {
		t.Fatalf("Manage by another pool: %v, want ErrForeignConn", err)
	}

	err := p.Manage(c, func(*pool.Conn) error { panic("boom") })
	var pe *future.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("Manage with a panicking fn: %v, want a *future.PanicError", err)
	}
	if st := p.Stats(); st.Busy != 0 {
		t.Fatalf("after the panic: %v, want nothing busy", st)
	}

	c = await(t, ctx, p.GetConn(ctx))
	err = p.Manage(c, func(c *pool.Conn) error {
		if _, err := c.Execute(ctx, "BEGIN").Await(ctx); err != nil {
			return err
		}
		_, err := c.Execute(ctx, "INSERT INTO t VALUES (1)").Await(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("Manage: %v", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows after Manage left a transaction open, want 0", n)
	}
	if st := p.Stats(); st.Busy != 0 {
		t.Fatalf("after Manage: %v, want nothing busy", st)
	}

	c = await(t, ctx, p.GetConn(ctx))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.PutConn(c); !errors.Is(err, pool.ErrPoolClosed) {
		t.Fatalf("PutConn after Close: %v, want ErrPoolClosed", err)
	}
}

func TestStandaloneConnect(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	c := await(t, ctx, pool.Connect(ctx, dsn, pool.ConnOptions{SetSession: []string{"SET application_name = 'standalone'"}}))
	cur := await(t, ctx, c.Execute(ctx, "SELECT current_setting('application_name')"))
	var name string
	if err := cur.FetchOne(&name); err != nil || name != "standalone" {
		t.Fatalf("application_name %q, %v; want standalone", name, err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !c.Closed() {
		t.Fatal("Closed() is false after Close")
	}
	if err := c.Close(); !errors.Is(err, pool.ErrConnClosed) {
		t.Fatalf("second Close: %v, want ErrConnClosed", err)
	}
	if _, err := c.Execute(ctx, "SELECT 1").Await(ctx); !errors.Is(err, pool.ErrConnClosed) {
		t.Fatalf("Execute after Close: %v, want ErrConnClosed", err)
	}
}

// Guards against a pool shared by concurrent callers losing track of its
// connections: every caller gets a result and nothing stays busy.
func TestConcurrentCallersAllResolve(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 4})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			cur, err := p.Execute(ctx, "SELECT $1::int", i).Await(ctx)
			if err == nil {
				var got int
				if err = cur.FetchOne(&got); err == nil && got != i {
					err = fmt.Errorf("got %d, want %d", got, i)
				}
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, 5*time.Second, "nothing busy", func() bool { return p.Stats().Busy == 0 })
}
