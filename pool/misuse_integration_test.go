package pool_test

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

func TestBeginOnThePoolIsRolledBack(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE kept (n int)"))
	_, err := p.Execute(ctx, "BEGIN").Await(ctx)
	if !errors.Is(err, pool.ErrTransactionLeftOpen) {
		t.Fatalf("BEGIN on the pool: %v, want ErrTransactionLeftOpen", err)
	}
	db := databaseName(t, dsn)
	waitFor(t, 5*time.Second, "no backend idle in transaction", func() bool {
		var n int64
		conn, err := srv.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'", db).Scan(&n)
		return err == nil && n == 0
	})
	await(t, ctx, p.Execute(ctx, "INSERT INTO kept VALUES (1)"))
	if n := execInt(t, ctx, p, "SELECT count(*) FROM kept"); n != 1 {
		t.Fatalf("rows after the rolled-back BEGIN: %d, want 1", n)
	}
}

type panickyValue struct{}

func (panickyValue) Value() (driver.Value, error) { panic("no value") }

func TestPanickingArgumentLosesNoConnection(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	for range 3 { // more than MaxSize: a lost slot would make the last hang
		if _, err := p.Execute(ctx, "SELECT $1::text", panickyValue{}).Await(ctx); err == nil || !strings.Contains(err.Error(), "panicked") {
			t.Fatalf("a panicking Value: %v", err)
		}
	}
	if n := execInt(t, ctx, p, "SELECT 1"); n != 1 {
		t.Fatal("no answer after panicking arguments")
	}
	if s := p.Stats(); s.Busy != 0 {
		t.Fatalf("stats %v: a connection is still taken", s)
	}
}

func TestAcquireTimeout(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{AcquireTimeout: 50 * time.Millisecond})
	held := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(held)
	_, err := p.Execute(ctx, "SELECT 1").Await(ctx)
	if !errors.Is(err, pool.ErrAcquireTimeout) {
		t.Fatalf("Execute with the only connection held: %v, want ErrAcquireTimeout", err)
	}
}

// syncBuffer is a log destination safe for the pool's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLeakThresholdLogsWhoTookTheConnection(t *testing.T) {
	ctx := testContext(t)
	var log syncBuffer
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{
		LeakThreshold: 20 * time.Millisecond,
		Logger:        slog.New(slog.NewTextHandler(&log, nil)),
	})
	c := await(t, ctx, p.GetConn(ctx))
	waitFor(t, 5*time.Second, "a leak report", func() bool { return strings.Contains(log.String(), "not put back") })
	if !strings.Contains(log.String(), "TestLeakThresholdLogsWhoTookTheConnection") {
		t.Fatalf("the leak report lacks the stack that took the connection:\n%s", log.String())
	}
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
}
