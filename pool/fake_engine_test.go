package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

func sqlStateOf(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestFakeExecute(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	if got := textOf(t, await(t, ctx, p.Execute(ctx, "SELECT 'one'"))); got != "one" {
		t.Fatalf("got %q", got)
	}
	if _, err := p.Ping(ctx).Await(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestFakeErrorInTheMiddleOfAPipeline: a Conn's three statements written
// back to back, the middle one failing: each gets its own outcome.
func TestFakeErrorInTheMiddleOfAPipeline(t *testing.T) {
	srv, sts := fakeServer(t)
	sts.set("SELECT 1/0", pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return nil, "", pgfake.Fail(pgerrcode.DivisionByZero, "division by zero")
		}})
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	a, b, d := c.Execute(ctx, "SELECT 'one'"), c.Execute(ctx, "SELECT 1/0"), c.Execute(ctx, "SELECT 'one'")
	if got := textOf(t, await(t, ctx, a)); got != "one" {
		t.Errorf("first: %q", got)
	}
	if _, err := b.Await(ctx); sqlStateOf(err) != pgerrcode.DivisionByZero {
		t.Errorf("middle: %v, want 22012", err)
	}
	if got := textOf(t, await(t, ctx, d)); got != "one" {
		t.Errorf("last: %q", got)
	}
}

// TestFakeRefusedWriteRunsElsewhere: a connection the server closed while
// idle refuses the next write whole; the statement runs on a new
// connection and nothing counts as lost.
func TestFakeRefusedWriteRunsElsewhere(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	for round := range 5 {
		for _, c := range srv.Sessions() {
			c.Cut()
			<-c.Gone()
		}
		if _, err := p.Execute(ctx, "INSERT INTO t VALUES (1)").Await(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if st := p.Stats(); st.Lost != 0 {
		t.Errorf("Lost = %d, want 0", st.Lost)
	}
}

// TestFakeCutAfterWriteIsLost: a statement the server received before the
// connection broke may have run: ErrConnectionLost, never run again.
func TestFakeCutAfterWriteIsLost(t *testing.T) {
	srv, _ := fakeServer(t)
	var executes atomic.Int32
	srv.OnMessage = func(c *pgfake.Conn, m pgproto3.FrontendMessage) {
		if _, ok := m.(*pgproto3.Execute); ok {
			executes.Add(1)
			c.Cut()
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	_, err := p.Execute(ctx, "INSERT INTO t VALUES (1)").Await(ctx)
	if !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("got %v, want ErrConnectionLost", err)
	}
	if n := executes.Load(); n != 1 {
		t.Errorf("the server received the INSERT %d times, want 1", n)
	}
	if st := p.Stats(); st.Lost != 1 {
		t.Errorf("Lost = %d, want 1", st.Lost)
	}
}

// TestFakeCutBetweenTwoResults: of two statements pipelined on a Conn,
// the one whose result arrived before the cut succeeds, the other is lost.
func TestFakeCutBetweenTwoResults(t *testing.T) {
	srv, sts := fakeServer(t)
	cut := false
	sts.set("SELECT 'cut'", pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(_ context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
			if cut {
				c.Cut()
			}
			return [][][]byte{pgfake.Row("not cut")}, "SELECT 1", nil
		}})
	p := fakePool(t, srv, pool.Options{Size: 1})
	ctx := context.Background()
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	// Prepared first, so that the two go out in one write.
	await(t, ctx, c.Execute(ctx, "SELECT 'cut'"))
	await(t, ctx, c.Execute(ctx, "SELECT 'one'"))
	cut = true
	a, b := c.Execute(ctx, "SELECT 'one'"), c.Execute(ctx, "SELECT 'cut'")
	if got := textOf(t, await(t, ctx, a)); got != "one" {
		t.Errorf("first: %q", got)
	}
	if _, err := b.Await(ctx); !errors.Is(err, driver.ErrConnectionLost) {
		t.Errorf("second: %v, want ErrConnectionLost", err)
	}
}

// TestFakeSyntaxErrorKeepsTheConnection: a statement the server refuses at
// Parse fails with its SQLSTATE; the connection serves the next call.
func TestFakeSyntaxErrorKeepsTheConnection(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	if _, err := p.Execute(ctx, "SELEC 1").Await(ctx); sqlStateOf(err) != pgerrcode.SyntaxError {
		t.Fatalf("got %v, want 42601", err)
	}
	await(t, ctx, p.Execute(ctx, "SELECT 'one'"))
	if n := len(srv.Sessions()); n != 1 {
		t.Errorf("%d sessions, want the one", n)
	}
}

// TestFakeTooManyParametersKeepTheConnection: 65,536 arguments cannot be
// sent; the statement fails alone, before anything is written.
func TestFakeTooManyParametersKeepTheConnection(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	args := make([]any, 65536)
	for i := range args {
		args[i] = i
	}
	if _, err := p.Execute(ctx, "SELECT 'one'", args...).Await(ctx); !errors.Is(err, pool.ErrCannotSend) {
		t.Fatalf("got %v, want ErrCannotSend", err)
	}
	await(t, ctx, p.Execute(ctx, "SELECT 'one'"))
	if n := len(srv.Conns()); n != 1 {
		t.Errorf("%d connections made, want 1", n)
	}
	if st := p.Stats(); st.Lost != 0 {
		t.Errorf("Lost = %d, want 0", st.Lost)
	}
}
