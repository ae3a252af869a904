package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	"go.uber.org/goleak"
)

// A note on the queries of these tests. generate_series in FROM is a
// function scan, which PostgreSQL materializes before it returns the first
// row (10 million rows take seconds and a temporary file); in the select
// list it is a ProjectSet, which makes its rows as they are asked for. The
// big results below put it in the select list so that they stream from
// the server as they do to the caller. And the server sends rows in 8 KiB
// writes: a small row reaches the client when the rows behind it fill the
// buffer, or when the statement ends.

// streamPool opens a pool on dsn for a streaming test and checks at
// cleanup, before the pool is closed, that every future resolved and every
// connection came back: nothing in use, nobody waiting.
func streamPool(t *testing.T, ctx context.Context, dsn string, opts pool.Options) *pool.Pool {
	t.Helper()
	p := openPool(t, ctx, dsn, opts)
	t.Cleanup(func() { checkAllBack(t, p) })
	return p
}

// checkAllBack fails the test unless p's connections are all back within
// a few seconds: the owner of a stream's connection finishes it just after
// the caller closed the rows.
func checkAllBack(t *testing.T, p *pool.Pool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := p.Stats()
		if s.Busy == 0 && s.Waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("connections not back: %v", s)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// longTestContext is testContext for the tests that move millions of
// rows: over 20s under the race detector on a loaded 2-core machine.
func longTestContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// activity is the state and query of the server process pid, seen from
// an administrative connection.
func activity(t *testing.T, ctx context.Context, srv *pgtest.Server, pid int64) (state, query string) {
	t.Helper()
	conn, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, "SELECT coalesce(state, ''), query FROM pg_stat_activity WHERE pid = $1", pid).Scan(&state, &query); err != nil {
		t.Fatalf("pg_stat_activity of %d: %v", pid, err)
	}
	return state, query
}

// heapNow is the live heap after a collection.
func heapNow() (alloc, inuse uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.HeapInuse
}

type numbered struct {
	N    int64
	Text string
}

// TestStreamEachTwoMillionRowsInConstantMemory: two million rows read
// through Each, one struct per row, all come, in order, while the live
// heap, sampled after a collection every 100,000 rows, grows by less than
// 32 MiB (the result is about 60 MB on the wire; buffered, it would all be
// live at once).
func TestStreamEachTwoMillionRowsInConstantMemory(t *testing.T) {
	ctx := longTestContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	const rows = 2_000_000
	const limit = 32 << 20
	baseAlloc, baseInuse := heapNow()
	peakAlloc, peakInuse := baseAlloc, baseInuse
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	totalBefore := ms.TotalAlloc
	start := time.Now()
	n := 0
	for row, err := range pool.Each(ctx, p, pgx.RowToStructByPos[numbered], "SELECT g, 'row ' || g FROM generate_series(1, 2000000) g") {
		if err != nil {
			t.Fatalf("after %d rows: %v", n, err)
		}
		n++
		if row.N != int64(n) || row.Text != "row "+strconv.Itoa(n) {
			t.Fatalf("row %d is %+v", n, row)
		}
		if n%100_000 == 0 {
			alloc, inuse := heapNow()
			peakAlloc, peakInuse = max(peakAlloc, alloc), max(peakInuse, inuse)
		}
	}
	elapsed := time.Since(start)
	if n != rows {
		t.Fatalf("%d rows, want %d", n, rows)
	}
	runtime.ReadMemStats(&ms)
	growth := int64(peakAlloc) - int64(baseAlloc)
	t.Logf("%d rows in %v; live heap %.1f MiB before, peak %.1f MiB (growth %.2f MiB); heap in use %.1f MiB before, peak %.1f MiB; %.0f bytes allocated per row",
		n, elapsed.Round(time.Millisecond), mib(baseAlloc), mib(peakAlloc), float64(growth)/(1<<20),
		mib(baseInuse), mib(peakInuse), float64(ms.TotalAlloc-totalBefore)/rows)
	if growth >= limit {
		t.Errorf("the live heap grew by %.1f MiB while streaming, want under %d MiB", float64(growth)/(1<<20), limit>>20)
	}
	if grew := int64(peakInuse) - int64(baseInuse); grew >= limit {
		t.Errorf("the heap in use grew by %.1f MiB while streaming, want under %d MiB", float64(grew)/(1<<20), limit>>20)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// TestStreamFirstRowBeforeLastIsMade: the rows of a slow result reach the
// caller as the server makes them, not at its end. With rows made 200ms
// apart, the first arrives before the server's clock_timestamp() of the
// last; with the last row waiting for an advisory lock the test holds, the
// caller gets the first rows and only then lets the last be made (a
// buffered result would never resolve).
func TestStreamFirstRowBeforeLastIsMade(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})

	t.Run("sleeping rows", func(t *testing.T) {
		// Rows over 8 KiB, so that each goes out as it is made; the sleep
		// comes before the row's timestamp in the select list.
		rows := await(t, ctx, p.Stream(ctx, `SELECT g, pg_sleep(0.2)::text AS slept, clock_timestamp() AS made, repeat('x', 9000) AS pad
			FROM generate_series(1, 5) g`))
		defer rows.Close()
		firstAt := time.Now()
		var made []time.Time
		for rows.Next() {
			var g int
			var at time.Time
			if err := rows.Scan(&g, nil, &at, nil); err != nil {
				t.Fatal(err)
			}
			made = append(made, at)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(made) != 5 {
			t.Fatalf("%d rows, want 5", len(made))
		}
		last := made[len(made)-1]
		t.Logf("first row received %v after the server made it, %v before it made the last", firstAt.Sub(made[0]), last.Sub(firstAt))
		if !firstAt.Before(last) {
			t.Errorf("the first row reached the caller at %v, after the server made the last at %v: the result was buffered",
				firstAt.Format(time.StampMicro), last.Format(time.StampMicro))
		}
	})

	t.Run("last row waits for the caller", func(t *testing.T) {
		lock := await(t, ctx, p.GetConn(ctx))
		defer p.PutConn(lock)
		await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_lock(4242)"))
		// Row 5 is made only once it gets the lock, which the test gives
		// up when the first row has come.
		rows := await(t, ctx, p.Stream(ctx, `SELECT g, repeat('x', 9000) AS pad FROM generate_series(1, 5) g
			WHERE g < 5 OR (SELECT true FROM pg_advisory_lock(4242))`))
		defer rows.Close()
		if !rows.Next() {
			t.Fatalf("no first row: %v", rows.Err())
		}
		await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_unlock(4242)"))
		n := 1
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil || n != 5 {
			t.Fatalf("%d rows, %v; want 5", n, err)
		}
	})
}

// TestStreamEarlyBreakCancelsAndGivesConnectionBack: breaking out of Each
// after 10 rows of ten million stops the statement on the server (the
// sequence it draws from stays far from ten million: the rest was not
// made, nor read) and gives the connection back: the next statement of a
// one-connection pool runs on it, the server process is idle, nothing is
// in use, and no goroutine is left once the pool is closed.
func TestStreamEarlyBreakCancelsAndGivesConnectionBack(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	before := goleak.IgnoreCurrent()
	p := streamPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE SEQUENCE drawn"))
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")

	n := 0
	var broke time.Time
	for v, err := range pool.Each(ctx, p, pgx.RowTo[int64], "SELECT nextval('drawn') FROM (SELECT generate_series(1, 10000000)) g") {
		if err != nil {
			t.Fatalf("after %d rows: %v", n, err)
		}
		n++
		if v != int64(n) {
			t.Fatalf("row %d is %d", n, v)
		}
		if n == 10 {
			broke = time.Now()
			break
		}
	}
	closed := time.Since(broke)
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Errorf("the next statement ran on server process %d, want %d: the connection was not kept", got, pid)
	}
	served := time.Since(broke)
	checkAllBack(t, p)
	t.Logf("break to rows closed %v, to the next statement served %v", closed, served)
	if drawn := execInt(t, ctx, p, "SELECT last_value FROM drawn"); drawn >= 10_000_000 {
		t.Errorf("the sequence was drawn to %d: the statement ran to its end", drawn)
	} else {
		t.Logf("the statement made %d rows before it was cancelled", drawn)
	}
	if state, query := activity(t, ctx, srv, pid); state != "idle" || query != "SELECT last_value FROM drawn" {
		t.Errorf("server process %d is %q running %q, want idle after the last statement", pid, state, query)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
	checkAllBack(t, p)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := goleak.Find(before)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after the pool closed: %v", err)
		}
	}
}

// TestStreamContextEndsMidStream: a stream whose context is cancelled
// after 1000 rows of ten million ends with the context's error (the
// statement cancelled on the server, 57014, wrapped) and its connection
// is kept: the next call of a one-connection pool runs on the same server
// process. Then the same with a deadline that passes mid-stream, through
// Each.
func TestStreamContextEndsMidStream(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")

	t.Run("cancelled", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		rows := await(t, sctx, p.Stream(sctx, "SELECT generate_series(1, 10000000)"))
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
			if n == 1000 {
				cancel()
			}
		}
		err := rows.Err()
		if !errors.Is(err, context.Canceled) || sqlState(err) != pgerrcode.QueryCanceled {
			t.Fatalf("after %d rows: Err() = %v, want context.Canceled around SQLSTATE 57014", n, err)
		}
		if errors.Is(err, driver.ErrConnectionLost) {
			t.Errorf("Err() = %v: the connection was lost", err)
		}
		if n >= 10_000_000 {
			t.Errorf("read all %d rows", n)
		}
		t.Logf("%d rows before the cancel landed: %v", n, err)
		rows.Close()
		if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
			t.Errorf("the next call ran on server process %d, want %d: the cancel closed the connection", got, pid)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		// Two seconds to get the first row; then 100 million rows, which
		// take far longer than that to read.
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		n := 0
		var last error
		for _, err := range pool.Each(dctx, p, pgx.RowTo[int32], "SELECT generate_series(1, 100000000)") {
			if err != nil {
				last = err
				break
			}
			n++
		}
		if n == 0 {
			t.Fatalf("no row before the deadline: %v", last)
		}
		if !errors.Is(last, context.DeadlineExceeded) || sqlState(last) != pgerrcode.QueryCanceled {
			t.Fatalf("after %d rows: %v, want context.DeadlineExceeded around SQLSTATE 57014", n, last)
		}
		if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
			t.Errorf("the next call ran on server process %d, want %d: the cancel closed the connection", got, pid)
		}
	})
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

// TestStreamConnectionCutMidStream: a connection cut while its rows are
// read ends them with ErrConnectionLost; the pool opens another and the
// next calls succeed.
func TestStreamConnectionCutMidStream(t *testing.T) {
	ctx := testContext(t)
	proxy, dsn := proxiedDSN(t, pgtest.Shared(t))
	p := streamPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 2})
	rows := await(t, ctx, p.Stream(ctx, "SELECT generate_series(1, 10000000)"))
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if n == 1000 {
			proxy.CutAll()
		}
	}
	err := rows.Err()
	if !errors.Is(err, driver.ErrConnectionLost) {
		t.Fatalf("after %d rows: Err() = %v, want driver.ErrConnectionLost", n, err)
	}
	if errors.Is(err, context.Canceled) || sqlState(err) != "" {
		t.Errorf("Err() = %v, want the connection's loss only", err)
	}
	t.Logf("%d rows before the cut showed: %v", n, err)
	rows.Close()
	// Neighbours: the pool's next calls, pipelined and streamed.
	for i := range 3 {
		if got := execInt(t, ctx, p, "SELECT $1::int", i); got != int64(i) {
			t.Fatalf("call %d returned %d", i, got)
		}
	}
	got := 0
	for v, err := range pool.Each(ctx, p, pgx.RowTo[int32], "SELECT generate_series(1, 1000)") {
		if err != nil {
			t.Fatal(err)
		}
		got += int(v)
	}
	if got != 500500 {
		t.Errorf("a stream after the cut summed to %d, want 500500", got)
	}
	checkAllBack(t, p)
	if s := p.Stats(); s.Closes.Broken < 1 {
		t.Errorf("closes %+v, want the cut connection counted broken", s.Closes)
	}
}

// TestStreamOnConnInOrder: a Conn's stream runs after the statements
// submitted on it before, which it sees, and before those submitted after
// it, which wait for its rows to be closed.
func TestStreamOnConnInOrder(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	c := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(c)
	await(t, ctx, c.Execute(ctx, "CREATE TEMP TABLE seen (n int)"))
	before := c.Execute(ctx, "INSERT INTO seen VALUES (1)")
	stream := c.Stream(ctx, "SELECT n FROM seen ORDER BY n")
	after := c.Execute(ctx, "INSERT INTO seen VALUES (2)")
	rows := await(t, ctx, stream)
	if _, err := before.Result(); err != nil {
		t.Fatalf("the statement before the stream: %v", err)
	}
	got, err := pgx.CollectRows(pgx.Rows(rows), pgx.RowTo[int32])
	if err != nil || len(got) != 1 || got[0] != 1 {
		t.Fatalf("the stream saw %v, %v; want [1]", got, err)
	}
	await(t, ctx, after)
	if n := fetchInt(t, ctx, c.Execute(ctx, "SELECT count(*) FROM seen")); n != 2 {
		t.Fatalf("%d rows after, want 2", n)
	}

	// A statement given to the Conn while its rows are open would wait for
	// them for ever if its caller awaited it while reading them: it fails
	// with ErrConnBusy, nothing sent.
	rows = await(t, ctx, c.Stream(ctx, "SELECT n FROM seen ORDER BY n"))
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if _, err := c.Execute(ctx, "INSERT INTO seen VALUES (3)").Await(ctx); !errors.Is(err, pool.ErrConnBusy) {
		t.Fatalf("a statement given while the rows were open: %v, want ErrConnBusy", err)
	}
	rows.Close()
	if n := fetchInt(t, ctx, c.Execute(ctx, "SELECT count(*) FROM seen")); n != 2 {
		t.Fatalf("%d rows once the rows were closed, want 2", n)
	}
}

// TestStreamOnReplicaWithoutStandbys: without standbys a Replica's
// stream runs on the primary in a READ ONLY transaction (a write fails
// with 25006), and ReadYourWrites' Replica streams what its writes wrote.
func TestStreamOnReplicaWithoutStandbys(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE kept (n int)"))
	await(t, ctx, p.Execute(ctx, "CREATE SEQUENCE drawn"))

	var ro string
	for v, err := range pool.Each(ctx, p.Replica(), pgx.RowTo[string], "SELECT current_setting('transaction_read_only')") {
		if err != nil {
			t.Fatal(err)
		}
		ro = v
	}
	if ro != "on" {
		t.Errorf("transaction_read_only is %q on the Replica's stream, want on", ro)
	}
	_, err := p.Replica().Stream(ctx, "INSERT INTO kept VALUES (1) RETURNING n").Await(ctx)
	if sqlState(err) != pgerrcode.ReadOnlySQLTransaction {
		t.Fatalf("a write streamed through Replica: %v, want SQLSTATE 25006", err)
	}
	// Read-only all the way through: a write after the first rows.
	rows := await(t, ctx, p.Replica().Stream(ctx, "SELECT g, CASE WHEN g = 3000 THEN nextval('drawn') END FROM generate_series(1, 5000) g"))
	n := 0
	for rows.Next() {
		n++
	}
	if sqlState(rows.Err()) != pgerrcode.ReadOnlySQLTransaction || n != 2999 {
		t.Errorf("a stream writing mid-way through Replica: %d rows, then %v; want 2999, then SQLSTATE 25006", n, rows.Err())
	}
	rows.Close()
	if n := execInt(t, ctx, p, "SELECT count(*) FROM kept"); n != 0 {
		t.Fatalf("%d rows written through Replica", n)
	}

	rw := p.ReadYourWrites()
	await(t, ctx, rw.Execute(ctx, "INSERT INTO kept SELECT generate_series(1, 3000)"))
	sum := int64(0)
	for v, err := range pool.Each(ctx, rw.Replica(), pgx.RowTo[int64], "SELECT n::bigint FROM kept") {
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	if sum != 3000*3001/2 {
		t.Errorf("ReadYourWrites' Replica streamed a sum of %d, want %d", sum, 3000*3001/2)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

// TestStreamFailures: a stream whose statement fails before its first row
// fails its future with the server's error; one that fails after rows
// ends them with it. Either way a one-connection pool's next call runs on
// the same server process.
func TestStreamFailures(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	samePID := func(what string) {
		t.Helper()
		checkAllBack(t, p)
		if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
			t.Fatalf("after %s the next call ran on server process %d, want %d", what, got, pid)
		}
	}

	_, err := p.Stream(ctx, "SELEC 1").Await(ctx)
	if sqlState(err) != pgerrcode.SyntaxError {
		t.Fatalf("a syntax error: %v, want SQLSTATE 42601", err)
	}
	samePID("a syntax error")

	_, err = p.Stream(ctx, "SELECT 1/0").Await(ctx)
	if sqlState(err) != pgerrcode.DivisionByZero {
		t.Fatalf("a failure at the first row: %v, want SQLSTATE 22012", err)
	}
	samePID("a failure at the first row")

	rows := await(t, ctx, p.Stream(ctx, "SELECT 1/(g-5000) FROM generate_series(1, 10000) g"))
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); sqlState(err) != pgerrcode.DivisionByZero || n != 4999 {
		t.Fatalf("%d rows, then %v; want 4999 rows, then SQLSTATE 22012", n, err)
	}
	rows.Close()
	samePID("a failure mid-way")

	n = 0
	var last error
	for _, err := range pool.Each(ctx, p, pgx.RowTo[int32], "SELECT 1/(g-5000) FROM generate_series(1, 10000) g") {
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			t.Fatal("a row after the error")
		}
		n++
	}
	if sqlState(last) != pgerrcode.DivisionByZero || n != 4999 {
		t.Fatalf("Each: %d rows, then %v; want 4999 rows, then SQLSTATE 22012", n, last)
	}
	samePID("a failure mid-way through Each")
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}

// TestStreamGivenUpIsClosed: rows that arrive after their caller gave up
// waiting (Await's context ended) are closed by the pool, their statement
// cancelled: the connection of a one-connection pool comes back and runs
// the next call on the same server process. The first row waits for an
// advisory lock the test holds until the caller has given up.
func TestStreamGivenUpIsClosed(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 2, MaxSize: 2})
	lock := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(lock) // a second PutConn does nothing
	await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_lock(4245)"))
	f := p.Stream(ctx, "SELECT g, pg_backend_pid() FROM (SELECT generate_series(1, 10000000) g) s WHERE (SELECT true FROM pg_advisory_lock(4245))")
	actx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Await(actx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await with an ended context: %v, want context.Canceled", err)
	}
	await(t, ctx, lock.Execute(ctx, "SELECT pg_advisory_unlock(4245)"))
	p.PutConn(lock)
	checkAllBack(t, p)
	if _, err := f.Await(ctx); !errors.Is(err, future.ErrReleased) {
		t.Fatalf("a later Await: %v, want future.ErrReleased", err)
	}
	// Both connections serve; neither still runs the stream.
	c1, c2 := await(t, ctx, p.GetConn(ctx)), await(t, ctx, p.GetConn(ctx))
	for _, c := range []*pool.Conn{c1, c2} {
		if n := fetchInt(t, ctx, c.Execute(ctx, "SELECT 1")); n != 1 {
			t.Fatal(n)
		}
		p.PutConn(c)
	}
	if s := p.Stats(); s.Closes != (pool.CloseCounts{}) {
		t.Errorf("closes %+v, want none", s.Closes)
	}
}
