package pool_test

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

func tracedFakePool(t *testing.T, srv *pgfake.Server, rt *recordingTracer, opts pool.Options) *pool.Pool {
	t.Helper()
	return fakePoolConfigured(t, srv, opts, func(cfg *driver.Config) { cfg.ConnConfig.Tracer = rt })
}

// TestFakeCutEndsEveryTrace: statements in flight on a connection that
// is cut end their traces once, with the loss: the one being read and
// those written behind it.
func TestFakeCutEndsEveryTrace(t *testing.T) {
	srv, sts := fakeServer(t)
	started, release := make(chan *pgfake.Conn, 1), make(chan struct{})
	defer close(release)
	sts.set("SELECT slow", blocking(started, release))
	rt := &recordingTracer{}
	p := tracedFakePool(t, srv, rt, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.WithValue(context.Background(), callerKey{}, "cut")
	tx := p.Transaction(ctx, []pool.Statement{{SQL: "SELECT slow"}, {SQL: "SELECT 'one'"}})
	(<-started).Cut()
	if _, err := tx.Await(ctx); !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("transaction: %v, want ErrConnectionLost", err)
	}
	// The server answers a transaction's statements at its Sync, after
	// COMMIT: none was read.
	for _, s := range wantSpans(t, rt, "cut", "BEGIN", "SELECT slow", "SELECT 'one'", "COMMIT") {
		if !errors.Is(s.err, driver.ErrConnectionLost) {
			t.Errorf("%q ended with %v, want ErrConnectionLost", s.sql, s.err)
		}
	}
}

// TestFakeRunAgainIsTracedTwice: a statement refused at Bind (26000) and
// run again, unseen by its caller, shows on the wire twice: its tracer
// sees both runs.
func TestFakeRunAgainIsTracedTwice(t *testing.T) {
	srv, _ := fakeServer(t)
	rt := &recordingTracer{}
	p := tracedFakePool(t, srv, rt, pool.Options{Size: 1, MaxSize: 1})
	ctx := context.WithValue(context.Background(), callerKey{}, "again")
	await(t, context.Background(), p.Execute(context.Background(), "INSERT INTO t VALUES (1)"))
	srv.Sessions()[0].Forget()
	await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
	spans := wantSpans(t, rt, "again", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)")
	if sqlState(spans[0].err) != pgerrcode.InvalidSQLStatementName || spans[1].err != nil || spans[1].tag != "INSERT 0 1" {
		t.Fatalf("runs traced as %+v, want 26000 then INSERT 0 1", spans)
	}
}

// TestFakeUnsentIsNotTracedAsLost: a statement the kernel refused to send
// (its connection closed while idle) is retried elsewhere: its first
// trace says it was not sent, not that it may have run.
func TestFakeUnsentIsNotTracedAsLost(t *testing.T) {
	srv, _ := fakeServer(t)
	rt := &recordingTracer{}
	p := tracedFakePool(t, srv, rt, pool.Options{Size: 1})
	bg := context.Background()
	await(t, bg, p.Execute(bg, "INSERT INTO t VALUES (1)"))
	for round := range 20 {
		for _, c := range srv.Sessions() {
			c.Cut()
			<-c.Gone()
		}
		caller := fmt.Sprint("round ", round)
		ctx := context.WithValue(bg, callerKey{}, caller)
		await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1)"))
		for _, s := range rt.of(caller) {
			if s.ended != 1 || s.err != nil && (errors.Is(s.err, driver.ErrConnectionLost) || !errors.Is(s.err, sqldriver.ErrBadConn)) {
				t.Errorf("%s: %q ended %d times, with %v; want once, as run or as not sent", caller, s.sql, s.ended, s.err)
			}
		}
	}
}
