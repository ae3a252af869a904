package pool_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/pool"
)

// The tests named TestFake... run the pool against internal/pgfake, a
// fake server over net.Pipe: they need no PostgreSQL and make the faults
// a real server makes only by chance.

// fakeStatements is a fake server's catalogue of SQL texts.
type fakeStatements struct {
	mu sync.Mutex
	m  map[string]pgfake.Statement
}

func (f *fakeStatements) set(sql string, st pgfake.Statement) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[sql] = st
}

func (f *fakeStatements) lookup(sql string) (pgfake.Statement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.m[sql]
	if !ok {
		return st, pgfake.Fail("42601", "syntax error")
	}
	return st, nil
}

// fakeServer is a fake server that knows "SELECT 'one'" (one text row)
// and "INSERT INTO t VALUES (1)", plus what the test adds.
func fakeServer(t *testing.T) (*pgfake.Server, *fakeStatements) {
	t.Helper()
	sts := &fakeStatements{m: map[string]pgfake.Statement{
		"SELECT 'one'": {Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
			Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
				return [][][]byte{pgfake.Row("one")}, "SELECT 1", nil
			}},
		"INSERT INTO t VALUES (1)": {Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return nil, "INSERT 0 1", nil
		}},
		"BEGIN":  {Run: tagged("BEGIN")},
		"COMMIT": {Run: tagged("COMMIT")},
	}}
	srv := &pgfake.Server{Lookup: sts.lookup}
	t.Cleanup(srv.Close)
	return srv, sts
}

// tagged runs a statement that returns no rows, only tag.
func tagged(tag string) func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
	return func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) { return nil, tag, nil }
}

// fakePool opens a pool on srv, closed at cleanup.
func fakePool(t *testing.T, srv *pgfake.Server, opts pool.Options) *pool.Pool {
	t.Helper()
	return fakePoolConfigured(t, srv, opts, func(*driver.Config) {})
}

// fakePoolConfigured is fakePool with what configure sets on the config.
func fakePoolConfigured(t *testing.T, srv *pgfake.Server, opts pool.Options, configure func(*driver.Config)) *pool.Pool {
	t.Helper()
	cfg, err := driver.ParseConfig("postgres://fake@fake.invalid:5432/fake?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	configure(cfg)
	cfg.ConnConfig.DialFunc = srv.Dial
	cfg.ConnConfig.LookupFunc = func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := pool.OpenWithConfig(ctx, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// textOf is the one text value of a one-row result.
func textOf(t *testing.T, cur *pool.Cursor) string {
	t.Helper()
	var s string
	if err := cur.FetchOne(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// blocking is a statement that runs until release is closed or it is
// cancelled, telling started when it begins.
func blocking(started chan<- *pgfake.Conn, release <-chan struct{}) pgfake.Statement {
	return pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(ctx context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
			started <- c
			select {
			case <-release:
				return [][][]byte{pgfake.Row("done")}, "SELECT 1", nil
			case <-ctx.Done():
				return nil, "", pgfake.Fail("57014", "canceling statement due to user request")
			}
		}}
}

// gate returns a channel a fake statement waits on and the function that
// closes it, once however often it is called. Defer it: deferred calls
// run before the cleanup in which the pool's Close waits for what the
// server holds.
func gate() (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// pipelineOnCue makes p take each of sqls for fast, and no pipeline for
// late until awaitMoved: requests then queue behind a waiting head.
func pipelineOnCue(p *pool.Pool, sqls ...string) {
	for _, sql := range sqls {
		pool.MarkFast(p, sql)
	}
	pool.SetLateHead(p, time.Hour)
}

// awaitMoved makes every pipeline that waits for the server late, and
// waits until a request has moved off one.
func awaitMoved(t *testing.T, p *pool.Pool) {
	t.Helper()
	pool.SetLateHead(p, time.Millisecond)
	waitFor(t, 10*time.Second, "a request to move off a late pipeline", func() bool {
		pool.MoveFromLate(p)
		return p.Stats().MovedFromLate >= 1
	})
}

// cancellable is blocking, and counts its runs that a CancelRequest (or
// a cut) ended.
func cancellable(started chan<- *pgfake.Conn, release <-chan struct{}) (pgfake.Statement, *atomic.Int32) {
	cancelled := new(atomic.Int32)
	st := blocking(started, release)
	run := st.Run
	st.Run = func(ctx context.Context, c *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
		rows, tag, err := run(ctx, c, args)
		if err != nil {
			cancelled.Add(1)
		}
		return rows, tag, err
	}
	return st, cancelled
}

// waitingHead is a fake pool whose first call, "UPDATE locked", waits on
// the server until unblock (which the test's cleanup calls too, before
// the pool's Close); pipelines take it and "SELECT 'one'" for fast.
type waitingHead struct {
	p       *pool.Pool
	head    *future.Future[*pool.Cursor]
	session *pgfake.Conn // the head's connection
	unblock func()
}

func newWaitingHead(t *testing.T, opts pool.Options) *waitingHead {
	t.Helper()
	srv, sts := fakeServer(t)
	started := make(chan *pgfake.Conn, 1)
	release, unblock := gate()
	sts.set("UPDATE locked", blocking(started, release))
	p := fakePool(t, srv, opts)
	t.Cleanup(unblock)
	pipelineOnCue(p, "UPDATE locked", "SELECT 'one'")
	head := p.Execute(context.Background(), "UPDATE locked")
	return &waitingHead{p: p, head: head, session: <-started, unblock: unblock}
}
