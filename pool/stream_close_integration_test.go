package pool_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// hangBound is how long a call that should return at once is given
// before the test takes it for hung: far beyond any scheduling delay.
const hangBound = 20 * time.Second

// TestStreamRowsAfterConnectionMovedOn: rows read to their end (their
// connection back in the pool) still tell their own columns and error
// while another stream runs on that connection: what they report was
// taken while the connection was theirs, not read from the connection,
// whose result reader and row description pgx reuses for the next
// statement (under -race, reading them is a data race with the owner).
func TestStreamRowsAfterConnectionMovedOn(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	first := await(t, ctx, p.Stream(ctx, "SELECT 1/(g-100) AS first_col FROM generate_series(1, 200) g"))
	for first.Next() {
	}
	check := func(when string) {
		t.Helper()
		if err := first.Err(); sqlState(err) != pgerrcode.DivisionByZero {
			t.Fatalf("%s: Err() = %v, want SQLSTATE 22012", when, err)
		}
		if fds := first.FieldDescriptions(); len(fds) != 1 || fds[0].Name != "first_col" {
			t.Fatalf("%s: FieldDescriptions() = %+v, want first_col", when, fds)
		}
		var v int32
		if err := first.Scan(&v); err == nil {
			t.Fatalf("%s: Scan of ended rows succeeded", when)
		}
	}
	check("at the end")
	// The connection serves another stream, held open, then others run
	// on it while the first rows are read from.
	second := await(t, ctx, p.Stream(ctx, "SELECT g AS second_a, g AS second_b FROM generate_series(1, 3) g"))
	defer second.Close()
	check("while the next stream is open on the connection")
	second.Close()
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		for range 20 {
			for _, err := range pool.Each(ctx, p, pgx.RowTo[int32], "SELECT generate_series(1, 100) AS third") {
				if err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for {
		select {
		case <-done:
			check("after the connection moved on")
			return
		default:
			check("while the connection serves others")
		}
	}
}

// TestEachRowFuncErrorCancelsTheRest: a row that fn cannot scan (a NULL
// into an int32) ends Each with the scan error at once: the rest of the
// statement is cancelled, not read. The statement's row 5000 waits for an
// advisory lock the test holds until Each has returned, so reading the
// rest would never end.
func TestEachRowFuncErrorCancelsTheRest(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	lock := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(lock) // a second PutConn does nothing
	await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_lock(4244)"))

	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		for _, err := range pool.Each(ctx, p, pgx.RowTo[int32], `SELECT CASE WHEN g = 3 THEN NULL ELSE g END
			FROM (SELECT generate_series(1, 100000) g) s WHERE g < 5000 OR (SELECT true FROM pg_advisory_lock(4244))`) {
			if err != nil {
				r.err = err
				break
			}
			r.n++
		}
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(hangBound):
		await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_unlock(4244)"))
		<-done
		t.Fatalf("Each did not return within %v of a row it could not scan: it read the rest of the result", hangBound)
	}
	var scanErr pgx.ScanArgError
	if !errors.As(r.err, &scanErr) || !strings.Contains(r.err.Error(), "cannot scan NULL") || r.n != 2 {
		t.Fatalf("%d rows, then %v; want 2 rows, then the scan error", r.n, r.err)
	}
	p.PutConn(lock)
	checkAllBack(t, p)
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

// TestStreamScanErrorEndsRows: as pgx's, rows whose Scan failed are
// closed: Next is false and Err is the scan error; and the connection is
// back at once, the statement cancelled.
func TestStreamScanErrorEndsRows(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE SEQUENCE drawn"))
	rows := await(t, ctx, p.Stream(ctx, "SELECT nextval('drawn'), CASE WHEN g = 3 THEN NULL ELSE g END FROM (SELECT generate_series(1, 10000000) g) s"))
	defer rows.Close()
	n := 0
	var scanErr error
	for rows.Next() {
		var a int64
		var b int32
		if err := rows.Scan(&a, &b); err != nil {
			scanErr = err
			break
		}
		n++
	}
	if n != 2 || scanErr == nil || !strings.Contains(scanErr.Error(), "cannot scan NULL") {
		t.Fatalf("%d rows, then %v; want 2, then the scan error", n, scanErr)
	}
	if rows.Next() {
		t.Fatal("Next after a failed Scan")
	}
	if err := rows.Err(); !errors.Is(err, scanErr) && (err == nil || err.Error() != scanErr.Error()) {
		t.Fatalf("Err() = %v, want the scan error %v", err, scanErr)
	}
	rows.Close()
	if drawn := execInt(t, ctx, p, "SELECT last_value FROM drawn"); drawn >= 10_000_000 {
		t.Errorf("the sequence was drawn to %d: the statement ran to its end", drawn)
	}
}

// TestStreamClosedEarlyInConnTransaction: rows closed early inside a
// Conn's transaction leave the transaction usable, as pgx's rows do: a
// CancelRequest there would fail the statement and abort the caller's
// transaction (25P02 for everything until ROLLBACK).
func TestStreamClosedEarlyInConnTransaction(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE kept (n int)"))
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c) // a second PutConn does nothing
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	await(t, ctx, c.Execute(ctx, "INSERT INTO kept VALUES (1)"))
	n := 0
	for _, err := range pool.Each(ctx, c, pgx.RowTo[int32], "SELECT generate_series(1, 1000000)") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if _, err := c.Execute(ctx, "INSERT INTO kept VALUES (2)").Await(ctx); err != nil {
		t.Fatalf("the transaction's next statement after rows closed early: %v", err)
	}
	await(t, ctx, c.Execute(ctx, "COMMIT"))
	p.PutConn(c)
	if n := execInt(t, ctx, p, "SELECT count(*) FROM kept"); n != 2 {
		t.Fatalf("%d rows committed, want 2", n)
	}
}

// TestStreamOnStandbyCutMidStream: a stream through Replica whose standby
// connection is cut after its first rows ends them with ErrConnectionLost,
// and runs nowhere else: a read runs again elsewhere only when it failed
// before its first row. Had it run again, the primary (which
// FallbackToPrimary lets take the reads no standby can) would have done
// the statement's work for rows nobody reads. The primary's one
// connection is held meanwhile, so that a read sent to it waits in its
// queue, where the test sees it.
func TestStreamOnStandbyCutMidStream(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	proxy, err := faultproxy.New(rs.standbys[0].Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	standby, err := pgtest.WithAddr(rs.standbyDSNs()[0], proxy.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p := streamPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1, MaxSize: 1, Replicas: pool.ReplicaOptions{
		Standbys: []string{standby}, CheckPeriod: 50 * time.Millisecond, FallbackToPrimary: true,
	}})
	waitUsable(t, p, true)

	// Before its first row, the read runs again on the primary.
	f := p.Replica().Stream(ctx, "SELECT inet_server_port() FROM pg_sleep(CASE WHEN pg_is_in_recovery() THEN 60 ELSE 0 END)")
	waitForQuery(t, ctx, rs.standbys[0], rs.db, "pg_sleep(CASE")
	proxy.CutAll()
	var port int
	for v, err := range pool.Each(ctx, streamed{f}, pgx.RowTo[int], "") {
		if err != nil {
			t.Fatalf("a read cut before its first row: %v", err)
		}
		port = v
	}
	if want := portOf(t, rs.primary.Addr()); port != want {
		t.Fatalf("a read cut before its first row ran on port %d, want the primary's %d", port, want)
	}
	waitUsable(t, p, true)

	// After its first rows, it does not.
	rows := await(t, ctx, p.Replica().Stream(ctx, "SELECT generate_series(1, 10000000)"))
	defer rows.Close()
	held := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(held) // a second PutConn does nothing
	before := p.Stats()
	n := 0
	for rows.Next() {
		if n++; n == 1000 {
			proxy.CutAll()
		}
	}
	if err := rows.Err(); !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("after %d rows: Err() = %v, want driver.ErrConnectionLost", n, err)
	}
	rows.Close()
	// The pool decides what to do with the failed read on a goroutine of
	// its own, within microseconds; a second is ample to see a read sent
	// to the primary queue there.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if s := p.Stats(); s.Waiting != 0 || s.Statements != before.Statements {
			t.Fatalf("the read ran again on the primary after its rows were handed over: %v, %d statements (%d before)", s, s.Statements, before.Statements)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.PutConn(held)
}

// streamed is a Streamer whose stream was started already.
type streamed struct{ f *future.Future[*pool.Rows] }

func (s streamed) Stream(context.Context, string, ...any) *future.Future[*pool.Rows] { return s.f }

// TestStreamAfterDeallocateAll: after DEALLOCATE ALL run through Execute,
// which the pool sees, a stream of a statement streamed before runs, as
// the pool's statements do, rather than failing once with 26000 because
// pgx's statement cache still named the dropped statement.
func TestStreamAfterDeallocateAll(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	const q = "SELECT generate_series(1, $1::int)"
	sum := func() (int64, error) {
		var s int64
		for v, err := range pool.Each(ctx, p, pgx.RowTo[int64], q, 100) {
			if err != nil {
				return s, err
			}
			s += v
		}
		return s, nil
	}
	if s, err := sum(); err != nil || s != 5050 {
		t.Fatalf("first stream: %d, %v", s, err)
	}
	await(t, ctx, p.Execute(ctx, "DEALLOCATE ALL"))
	if s, err := sum(); err != nil || s != 5050 {
		t.Fatalf("the stream after DEALLOCATE ALL: %d, %v (SQLSTATE %q)", s, err, sqlState(err))
	}
}

// TestStreamAfterTableChanged: a stream of a statement pgx has cached
// runs after its table gained a column (the server refuses the cached
// statement: 0A000, cached plan must not change result type), as the
// pool's statements do, rather than failing once.
func TestStreamAfterTableChanged(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE shape (a int)"))
	await(t, ctx, p.Execute(ctx, "INSERT INTO shape VALUES (1)"))
	all := func() ([]any, error) {
		rows, err := p.Query(ctx, "SELECT * FROM shape")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var got []any
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				return nil, err
			}
			got = append(got, v...)
		}
		return got, rows.Err()
	}
	if got, err := all(); err != nil || len(got) != 1 {
		t.Fatalf("%v, %v", got, err)
	}
	await(t, ctx, p.Execute(ctx, "ALTER TABLE shape ADD COLUMN b int DEFAULT 2"))
	got, err := all()
	if err != nil {
		t.Fatalf("the stream after its table changed: %v (SQLSTATE %q)", err, sqlState(err))
	}
	if len(got) != 2 || got[0] != int32(1) || got[1] != int32(2) {
		t.Fatalf("the stream after its table changed: %v, want [1 2]", got)
	}
	// Inside a transaction the failed statement has aborted it: the
	// caller sees the failure.
	await(t, ctx, p.Execute(ctx, "ALTER TABLE shape ADD COLUMN c int"))
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "BEGIN"))
	_, err = c.Stream(ctx, "SELECT * FROM shape").Await(ctx)
	if sqlState(err) != pgerrcode.FeatureNotSupported {
		t.Fatalf("the stream in a transaction after its table changed: %v, want SQLSTATE 0A000", err)
	}
	await(t, ctx, c.Execute(ctx, "ROLLBACK"))
}

// TestStreamContextEndsBehindPartition: a stream whose context ends while
// its connection is caught in a partition (nothing comes back, not even
// the CancelRequest's answer) does not hang its reader: as a pipelined
// statement's, the connection is given up, the rows end with the
// context's error, and the pool carries on on a new connection once the
// network heals.
func TestStreamContextEndsBehindPartition(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := streamPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows := await(t, ctx, p.Stream(sctx, "SELECT generate_series(1, 100000000)"))
	defer rows.Close()
	for range 1000 {
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
	}
	proxy.Blackhole()
	defer proxy.Heal()
	cancel()
	done := make(chan error, 1)
	go func() {
		for rows.Next() {
		}
		done <- rows.Err()
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(hangBound):
		proxy.Heal()
		proxy.CutAll()
		<-done
		t.Fatalf("the rows' reader still waits %v after its context ended behind a partition", hangBound)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("Err() = %v, want context.Canceled and the connection lost", err)
	}
	rows.Close()
	proxy.Heal()
	if got := execInt(t, ctx, p, "SELECT 7"); got != 7 {
		t.Fatalf("the next call returned %d", got)
	}
	if s := p.Stats(); s.Closes.Broken != 1 {
		t.Errorf("closes %+v, want the partitioned connection closed as broken", s.Closes)
	}
}

// TestCopyContextEndsBehindPartition: a CopyTo whose context ends behind
// a partition fails at once, and its connection does not stay busy for
// ever: it is given up, and the pool's one connection is replaced.
func TestCopyContextEndsBehindPartition(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := streamPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	w := &recordingWriter{started: make(chan struct{})}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := p.CopyTo(cctx, w, "COPY (SELECT generate_series(1, 100000000)) TO STDOUT")
	select {
	case <-w.started:
	case <-f.Done():
		t.Fatalf("CopyTo resolved before writing: %v", errOf(f.Result()))
	}
	proxy.Blackhole()
	defer proxy.Heal()
	cancel()
	if _, err := f.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyTo: %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(hangBound)
	for p.Stats().Busy != 0 {
		if time.Now().After(deadline) {
			proxy.Heal()
			proxy.CutAll()
			t.Fatalf("the COPY's connection is still busy %v after its context ended behind a partition", hangBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	proxy.Heal()
	if got := execInt(t, ctx, p, "SELECT 7"); got != 7 {
		t.Fatalf("the next call returned %d", got)
	}
	if s := p.Stats(); s.Closes.Broken != 1 {
		t.Errorf("closes %+v, want the partitioned connection closed as broken", s.Closes)
	}
}

// cancelLanded is a pgx DialFunc that, once armed, tells when a
// connection it dialed is closed by the server: a CancelRequest's
// connection, which the server closes once it has signalled the backend.
type cancelLanded struct {
	armed atomic.Bool
	once  sync.Once
	done  chan struct{}
}

func (c *cancelLanded) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil || !c.armed.Load() {
		return conn, err
	}
	return eofConn{conn, c}, nil
}

type eofConn struct {
	net.Conn
	c *cancelLanded
}

func (e eofConn) Read(p []byte) (int, error) {
	n, err := e.Conn.Read(p)
	if errors.Is(err, io.EOF) {
		e.c.once.Do(func() { close(e.c.done) })
	}
	return n, err
}

// startHook is a pgx tracer that calls at when pgx starts a COPY FROM, or
// a query whose SQL is sql, before anything of it is sent.
type startHook struct {
	sql string
	at  func()
}

func (h startHook) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if h.sql != "" && data.SQL == h.sql {
		h.at()
	}
	return ctx
}

func (startHook) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (h startHook) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	if h.sql == "" {
		h.at()
	}
	return ctx
}

func (startHook) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// cancelAsItStarts opens a one-connection pool whose pgx calls hook at the
// start of a COPY FROM (sql "") or of the query sql: there it cancels the
// context returned and waits until the pool's CancelRequest has reached
// the server, while the server process is idle between statements and
// drops it. The statement then starts with its context ended and nothing
// on its way to stop it.
func cancelAsItStarts(t *testing.T, ctx context.Context, sql string) (*pool.Pool, context.Context) {
	t.Helper()
	cfg, err := driver.ParseConfig(pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	landed := &cancelLanded{done: make(chan struct{})}
	cctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	cfg.ConnConfig.DialFunc = landed.dial
	cfg.ConnConfig.Tracer = startHook{sql: sql, at: func() {
		landed.armed.Store(true)
		cancel()
		select {
		case <-landed.done:
		case <-time.After(hangBound):
		}
	}}
	p, err := pool.NewWithConfig(cfg, pool.Options{Size: 1, MaxSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	t.Cleanup(func() { checkAllBack(t, p) })
	await(t, ctx, p.Connect(ctx))
	return p, cctx
}

// TestCopyCancelledAsItStarts: a CopyFrom whose context ends as it starts,
// its CancelRequest landing before the COPY reached the server, is
// cancelled all the same once its rows flow: the connection comes back
// within seconds and nothing is copied, rather than the COPY running to
// the end of its source. (The source ends if the test gives up on it.)
func TestCopyCancelledAsItStarts(t *testing.T) {
	ctx := testContext(t)
	p, cctx := cancelAsItStarts(t, ctx, "")
	await(t, ctx, p.Execute(ctx, "CREATE TABLE copied (id bigint, name text)"))
	var giveUp atomic.Bool
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i++; giveUp.Load() {
			return nil, nil
		}
		return []any{int64(i), "x"}, nil
	})
	if _, err := p.CopyFrom(cctx, pgx.Identifier{"copied"}, []string{"id", "name"}, src).Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyFrom: %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(hangBound)
	for p.Stats().Busy != 0 {
		if time.Now().After(deadline) {
			giveUp.Store(true)
			checkAllBack(t, p)
			t.Fatalf("the COPY still ran %v after its context ended, its CancelRequest lost", hangBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM copied"); n != 0 {
		t.Fatalf("a cancelled CopyFrom copied %d rows", n)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none: the connection was healthy", s.Closes)
	}
}

// TestStreamCancelledAsItStarts: a stream whose context ends as it
// starts, its CancelRequest landing before the statement reached the
// server, is cancelled all the same while it waits for its first row: the
// connection comes back within seconds, not when the statement's half
// minute is over.
func TestStreamCancelledAsItStarts(t *testing.T) {
	ctx := testContext(t)
	const slow = "SELECT 1 FROM pg_sleep(30)"
	p, cctx := cancelAsItStarts(t, ctx, slow)
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	if _, err := p.Stream(cctx, slow).Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stream: %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(hangBound)
	for p.Stats().Busy != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the statement still ran %v after its context ended, its CancelRequest lost", hangBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("the next call ran on server process %d, want %d: the connection was given up", got, pid)
	}
}
