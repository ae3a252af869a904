package pool_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// numberRows is a CopyFromSource of the rows (i, "n<i>") for i in [from, to).
func numberRows(from, to int) pgx.CopyFromSource {
	i := from - 1
	return pgx.CopyFromFunc(func() ([]any, error) {
		i++
		if i >= to {
			return nil, nil
		}
		return []any{int64(i), "n" + strconv.Itoa(i)}, nil
	})
}

// lineCounter counts the lines written to it.
type lineCounter struct{ lines, bytes int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	c.bytes += int64(len(p))
	return len(p), nil
}

// TestCopyMillionRowsInAndOut: a million rows copied in resolve to a
// million, which count(*) agrees with; copied out they are a million
// lines, the first of them as COPY's text format writes it.
func TestCopyMillionRowsInAndOut(t *testing.T) {
	ctx := longTestContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE copied (id bigint, name text)"))
	const rows = 1_000_000
	n := await(t, ctx, p.CopyFrom(ctx, pgx.Identifier{"copied"}, []string{"id", "name"}, numberRows(0, rows)))
	if n != rows {
		t.Fatalf("CopyFrom resolved to %d, want %d", n, rows)
	}
	if got := execInt(t, ctx, p, "SELECT count(*) FROM copied"); got != rows {
		t.Fatalf("count(*) = %d after copying %d rows", got, rows)
	}
	if sum := execInt(t, ctx, p, "SELECT sum(id) FROM copied"); sum != rows*(rows-1)/2 {
		t.Fatalf("sum(id) = %d", sum)
	}

	var lines lineCounter
	n = await(t, ctx, p.CopyTo(ctx, &lines, "COPY copied TO STDOUT"))
	if n != rows || lines.lines != rows {
		t.Fatalf("CopyTo resolved to %d and wrote %d lines, want %d", n, lines.lines, rows)
	}
	var buf bytes.Buffer
	n = await(t, ctx, p.CopyTo(ctx, &buf, "COPY (SELECT * FROM copied ORDER BY id LIMIT 3) TO STDOUT"))
	if n != 3 || buf.String() != "0\tn0\n1\tn1\n2\tn2\n" {
		t.Fatalf("CopyTo of 3 rows: %d, %q", n, buf.String())
	}
	n = await(t, ctx, p.CopyTo(ctx, io.Discard, "COPY copied TO STDOUT (FORMAT binary)"))
	if n != rows {
		t.Fatalf("a binary CopyTo resolved to %d, want %d", n, rows)
	}
}

// TestCopyFromViolatingConstraint: a COPY with a row that breaks a CHECK
// or UNIQUE constraint fails with its SQLSTATE and copies nothing, and a
// one-connection pool serves its next calls on the same server process.
func TestCopyFromViolatingConstraint(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE strict (id bigint UNIQUE CHECK (id <> 500), name text)"))
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")

	_, err := p.CopyFrom(ctx, pgx.Identifier{"strict"}, []string{"id", "name"}, numberRows(0, 1000)).Await(ctx)
	if sqlState(err) != pgerrcode.CheckViolation {
		t.Fatalf("a COPY breaking the CHECK: %v, want SQLSTATE 23514", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM strict"); n != 0 {
		t.Fatalf("%d rows copied by a failed COPY", n)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("after the failed COPY the next call ran on server process %d, want %d", got, pid)
	}

	n := await(t, ctx, p.CopyFrom(ctx, pgx.Identifier{"strict"}, []string{"id", "name"}, numberRows(0, 500)))
	if n != 500 {
		t.Fatalf("CopyFrom of 500 rows resolved to %d", n)
	}
	_, err = p.CopyFrom(ctx, pgx.Identifier{"strict"}, []string{"id", "name"}, numberRows(501, 2000)).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CopyFrom(ctx, pgx.Identifier{"strict"}, []string{"id", "name"}, numberRows(1999, 3000)).Await(ctx)
	if sqlState(err) != pgerrcode.UniqueViolation {
		t.Fatalf("a COPY breaking the UNIQUE: %v, want SQLSTATE 23505", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM strict"); n != 1999 {
		t.Fatalf("%d rows after a failed COPY, want 1999", n)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("after the failed COPY the next call ran on server process %d, want %d", got, pid)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

// TestCopyOnConn: a Conn's COPYs run in order with its statements, inside
// its transaction: rolled back, what was copied in is gone.
func TestCopyOnConn(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "CREATE TEMP TABLE t (id bigint, name text)"))
	begin := c.Execute(ctx, "BEGIN")
	in := c.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"id", "name"}, numberRows(0, 10_000))
	count := c.Execute(ctx, "SELECT count(*) FROM t")
	var buf bytes.Buffer
	out := c.CopyTo(ctx, &buf, "COPY (SELECT id FROM t WHERE id < 3 ORDER BY id) TO STDOUT")
	rollback := c.Execute(ctx, "ROLLBACK")
	after := c.Execute(ctx, "SELECT count(*) FROM t")
	await(t, ctx, begin)
	if n := await(t, ctx, in); n != 10_000 {
		t.Fatalf("the Conn's CopyFrom: %d", n)
	}
	if n := fetchInt(t, ctx, count); n != 10_000 {
		t.Fatalf("count(*) after the CopyFrom: %d", n)
	}
	if n := await(t, ctx, out); n != 3 || buf.String() != "0\n1\n2\n" {
		t.Fatalf("the Conn's CopyTo: %d, %q", n, buf.String())
	}
	await(t, ctx, rollback)
	if n := fetchInt(t, ctx, after); n != 0 {
		t.Fatalf("count(*) after ROLLBACK: %d", n)
	}
}

// recordingWriter counts what is written to it, and what is written after
// resolved is set.
type recordingWriter struct {
	mu       sync.Mutex
	bytes    int64
	started  chan struct{}
	once     sync.Once
	resolved atomic.Bool
	late     atomic.Int64
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.resolved.Load() {
		w.late.Add(int64(len(p)))
	}
	w.mu.Lock()
	w.bytes += int64(len(p))
	w.mu.Unlock()
	w.once.Do(func() { close(w.started) })
	return len(p), nil
}

// TestCopyToContextCancelled: a big CopyTo whose context is cancelled
// once data flows fails with context.Canceled, its writer is not written
// after the future resolved, and the COPY is cancelled on the server: the
// one-connection pool's next call runs on the same server process. A
// CopyFrom cancelled likewise copies nothing.
func TestCopyToContextCancelled(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")

	w := &recordingWriter{started: make(chan struct{})}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := p.CopyTo(cctx, w, "COPY (SELECT generate_series(1, 100000000), repeat('x', 100)) TO STDOUT")
	select {
	case <-w.started:
	case <-f.Done():
		t.Fatalf("CopyTo resolved before writing: %v", errOf(f.Result()))
	}
	cancel()
	_, err := f.Await(ctx)
	w.resolved.Store(true)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyTo cancelled: %v, want context.Canceled", err)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("after the cancelled COPY the next call ran on server process %d, want %d", got, pid)
	}
	if late := w.late.Load(); late != 0 {
		t.Errorf("%d bytes written after the future resolved", late)
	}
	w.mu.Lock()
	t.Logf("%d bytes written before the cancel", w.bytes)
	w.mu.Unlock()

	await(t, ctx, p.Execute(ctx, "CREATE TABLE copied (id bigint, name text)"))
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pulled := make(chan struct{})
	var once sync.Once
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		i++
		if i == 1000 {
			once.Do(func() { close(pulled) })
		}
		if i > 100_000_000 {
			return nil, nil
		}
		return []any{int64(i), "x"}, nil
	})
	cf := p.CopyFrom(fctx, pgx.Identifier{"copied"}, []string{"id", "name"}, src)
	select {
	case <-pulled:
	case <-cf.Done():
		t.Fatalf("CopyFrom resolved before reading its rows: %v", errOf(cf.Result()))
	}
	cancel()
	if _, err := cf.Await(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyFrom cancelled: %v, want context.Canceled", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM copied"); n != 0 {
		t.Fatalf("a cancelled CopyFrom copied %d rows", n)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("after the cancelled CopyFrom the next call ran on server process %d, want %d", got, pid)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

func errOf[T any](_ T, err error) error { return err }

// TestCopyFromSourceFails: a source that fails after some rows fails the
// COPY with its error (in the server's words, as pgx reports it), copies
// nothing, and the one-connection pool's next
// call runs on the same server process.
func TestCopyFromSourceFails(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE copied (id bigint, name text)"))
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	errSource := errors.New("the source broke")
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i > 50_000 {
			return nil, errSource
		}
		return []any{int64(i), "x"}, nil
	})
	// As pgx's: the source's error goes to the server in a CopyFail, and
	// the server's answer is the error.
	_, err := p.CopyFrom(ctx, pgx.Identifier{"copied"}, []string{"id", "name"}, src).Await(ctx)
	if sqlState(err) != pgerrcode.QueryCanceled || !strings.Contains(err.Error(), "COPY from stdin failed: the source broke") {
		t.Fatalf("CopyFrom of a failing source: %v, want the server's 57014 with the source's error", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatalf("CopyFrom of a failing source: %v, taken for the caller's context", err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM copied"); n != 0 {
		t.Fatalf("a failed CopyFrom copied %d rows", n)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("after the failed COPY the next call ran on server process %d, want %d", got, pid)
	}
}
