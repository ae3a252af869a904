package pool_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// countParses counts the Parse messages srv receives: named ones prepare
// a statement, unnamed ones send a statement unprepared.
func countParses(srv *pgfake.Server) (named, unnamed *atomic.Int32) {
	named, unnamed = new(atomic.Int32), new(atomic.Int32)
	srv.OnMessage = func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok {
			if p.Name == "" {
				unnamed.Add(1)
			} else {
				named.Add(1)
			}
		}
	}
	return named, unnamed
}

// TestFakeDroppedStatementRunsAgain: a statement the server no longer has
// (DEALLOCATE ALL behind the pool's back) fails at Bind with 26000, before
// anything ran: the pool runs it again, unseen, and it runs once.
func TestFakeDroppedStatementRunsAgain(t *testing.T) {
	srv, _ := fakeServer(t)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
	session := srv.Sessions()[0]
	session.Forget()
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
	if got := len(session.Received()); got != 2 {
		t.Errorf("the server ran the INSERT %d times in all, want 2", got)
	}
}

// TestFakeStalePlanRunsAgain: 0A000 at Bind (a cached plan that no longer
// fits the schema) means nothing ran: the pool prepares again and runs it.
func TestFakeStalePlanRunsAgain(t *testing.T) {
	srv, sts := fakeServer(t)
	var stale atomic.Bool
	sts.set("SELECT * FROM t", pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Bind: func(*pgfake.Conn) error {
			if stale.CompareAndSwap(true, false) {
				return pgfake.Fail(pgerrcode.FeatureNotSupported, "cached plan must not change result type")
			}
			return nil
		},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return [][][]byte{pgfake.Row("x")}, "SELECT 1", nil
		}})
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	await(t, ctx, p.Execute(ctx, "SELECT * FROM t"))
	stale.Store(true)
	if got := textOf(t, await(t, ctx, p.Execute(ctx, "SELECT * FROM t"))); got != "x" {
		t.Fatalf("got %q", got)
	}
	if got := len(srv.Sessions()[0].Received()); got != 2 {
		t.Errorf("ran %d times in all, want 2", got)
	}
}

// TestFakeServerErrorForgetsTheStatement: after a statement's error, it is
// prepared again on its next run, as pgx does (its types may have changed).
func TestFakeServerErrorForgetsTheStatement(t *testing.T) {
	srv, sts := fakeServer(t)
	var fail atomic.Bool
	sts.set("SELECT v FROM t WHERE id = $1", pgfake.Statement{Params: []uint32{25}, Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			if fail.Load() {
				return nil, "", pgfake.Fail(pgerrcode.UndefinedFunction, "operator does not exist")
			}
			return [][][]byte{pgfake.Row("x")}, "SELECT 1", nil
		}})
	named, _ := countParses(srv)
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	await(t, ctx, p.Execute(ctx, "SELECT v FROM t WHERE id = $1", "1"))
	await(t, ctx, p.Execute(ctx, "SELECT v FROM t WHERE id = $1", "1"))
	if n := named.Load(); n != 1 {
		t.Fatalf("prepared %d times before the error, want 1", n)
	}
	fail.Store(true)
	if _, err := p.Execute(ctx, "SELECT v FROM t WHERE id = $1", "1").Await(ctx); sqlStateOf(err) != pgerrcode.UndefinedFunction {
		t.Fatalf("got %v, want 42883", err)
	}
	fail.Store(false)
	await(t, ctx, p.Execute(ctx, "SELECT v FROM t WHERE id = $1", "1"))
	if n := named.Load(); n != 2 {
		t.Errorf("prepared %d times in all, want 2: once more after the error", n)
	}
}

// TestFakeStatementCacheBounded: a connection keeps at most 512 prepared
// statements; the oldest are deallocated.
func TestFakeStatementCacheBounded(t *testing.T) {
	srv, sts := fakeServer(t)
	for i := range 600 {
		sts.set(fmt.Sprintf("SELECT %d", i), pgfake.Statement{Run: tagged("SELECT 0")})
	}
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	for i := range 600 {
		await(t, ctx, p.Execute(ctx, fmt.Sprintf("SELECT %d", i)))
	}
	await(t, ctx, p.Ping(ctx))
	if n := len(srv.Sessions()[0].Prepared()); n > 512 {
		t.Errorf("%d statements prepared on the connection, want at most 512", n)
	}
}

// TestFakeTransactionAfterDDLUnprepared: in a Transaction, the statements
// after one that may change the schema are sent unprepared, and none is
// prepared ahead of BEGIN.
func TestFakeTransactionAfterDDLUnprepared(t *testing.T) {
	srv, sts := fakeServer(t)
	sts.set("ALTER TABLE t ADD COLUMN c int", pgfake.Statement{Run: tagged("ALTER TABLE")})
	sts.set("SELECT * FROM t", pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")}})
	var order []string
	srv.OnMessage = func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok && strings.HasPrefix(p.Query, "SELECT * FROM t") {
			order = append(order, "parse "+map[bool]string{true: "unnamed", false: "named"}[p.Name == ""])
		}
	}
	p := fakePool(t, srv, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.Background()
	await(t, ctx, p.Transaction(ctx, []pool.Statement{{SQL: "ALTER TABLE t ADD COLUMN c int"}, {SQL: "SELECT * FROM t"}}))
	if len(order) != 1 || order[0] != "parse unnamed" {
		t.Errorf("the SELECT after the ALTER was sent as %v, want one unnamed Parse", order)
	}
}
