package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// The tests named TestEngine... drive one Engine on a connection to
// internal/pgfake, a fake server over net.Pipe, as the pool's owner does
// (pool/owner.go's serve, pool/owner_write.go's writeReady): they need no
// PostgreSQL, and make on cue the faults a real server makes by chance.

// ioDeadline bounds every read and write of a test's connection: an
// engine that waits for an answer that never comes fails its test with an
// i/o timeout instead of hanging the run.
const ioDeadline = 20 * time.Second

// script is a fake server's catalogue of SQL texts; an unknown text fails
// its Parse with 42601, as a syntax error would.
type script struct {
	mu sync.Mutex
	m  map[string]pgfake.Statement
}

func (s *script) set(sql string, st pgfake.Statement) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[sql] = st
}

func (s *script) lookup(sql string) (pgfake.Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[sql]
	if !ok {
		return st, pgfake.Fail("42601", "syntax error at or near \""+sql+"\"")
	}
	return st, nil
}

// runFunc is a fake statement's Run.
type runFunc = func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error)

// tagged returns no rows, only tag.
func tagged(tag string) runFunc {
	return func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) { return nil, tag, nil }
}

// texts is a statement of one text column "v" whose rows are values.
func texts(values ...string) pgfake.Statement {
	return pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			rows := make([][][]byte, len(values))
			for i, v := range values {
				rows[i] = pgfake.Row(v)
			}
			return rows, "SELECT " + strconv.Itoa(len(values)), nil
		}}
}

// failing fails at Execute with code.
func failing(code, message string) pgfake.Statement {
	return pgfake.Statement{Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
		return nil, "", pgfake.Fail(code, message)
	}}
}

// failsOnCue is a statement of one text row "ok" that fails with code
// while fail is set.
func failsOnCue(code string) (pgfake.Statement, *atomic.Bool) {
	fail := new(atomic.Bool)
	st := texts("ok")
	ok := st.Run
	st.Run = func(ctx context.Context, c *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
		if fail.Load() {
			return nil, "", pgfake.Fail(code, "failed on cue")
		}
		return ok(ctx, c, args)
	}
	return st, fail
}

// The fake server's default catalogue.
const (
	selectOne = "SELECT 'one'"
	selectTwo = "SELECT 'two'"
	insert    = "INSERT INTO t VALUES (1)"
	echo      = "SELECT v FROM t WHERE id = $1" // one text parameter, returned as its one row
	divide    = "SELECT 1/0"                    // fails with 22012
	walLSN    = "16/B374D848"                   // what WALInsertPosition returns
)

func defaultScript() *script {
	return &script{m: map[string]pgfake.Statement{
		selectOne: texts("one"),
		selectTwo: texts("two"),
		insert:    {Run: tagged("INSERT 0 1")},
		echo: {Params: []uint32{25}, Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
			Run: func(_ context.Context, _ *pgfake.Conn, args [][]byte) ([][][]byte, string, error) {
				return [][][]byte{{args[0]}}, "SELECT 1", nil
			}},
		divide:            failing("22012", "division by zero"),
		"BEGIN":           {Run: tagged("BEGIN")},
		"COMMIT":          {Run: tagged("COMMIT")},
		"ROLLBACK":        {Run: tagged("ROLLBACK")},
		WALInsertPosition: texts(walLSN),
	}}
}

// wire counts, by kind, the messages the server received after the
// startup ("Prepare" is a named Parse, "Parse" an unnamed one), and hands
// each to the test's hook.
type wire struct {
	mu   sync.Mutex
	n    map[string]int
	hook func(*pgfake.Conn, pgproto3.FrontendMessage)
}

func (w *wire) observe(c *pgfake.Conn, m pgproto3.FrontendMessage) {
	kind := strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
	if p, ok := m.(*pgproto3.Parse); ok && p.Name != "" {
		kind = "Prepare"
	}
	w.mu.Lock()
	w.n[kind]++
	w.n["all"]++
	hook := w.hook
	w.mu.Unlock()
	if hook != nil {
		hook(c, m)
	}
}

// count is how many messages of kind ("all": of any) the server received.
func (f *fixture) count(kind string) int {
	f.wire.mu.Lock()
	defer f.wire.mu.Unlock()
	return f.wire.n[kind]
}

// onMessage sets the hook that sees each message before the server
// handles it, on the server's goroutine.
func (f *fixture) onMessage(hook func(*pgfake.Conn, pgproto3.FrontendMessage)) {
	f.wire.mu.Lock()
	defer f.wire.mu.Unlock()
	f.wire.hook = hook
}

// fixture is an engine on a connection to a fake server.
type fixture struct {
	srv     *pgfake.Server
	sts     *script
	wire    *wire
	e       *Engine
	session *pgfake.Conn // the server's side of the engine's connection
}

// setup is what a test changes of a fixture before it connects.
type setup struct {
	tracer pgx.QueryTracer
	cfg    Config
	// dial wraps the fake server's Dial (peer_test.go puts a TCP
	// connection in between).
	dial func(t *testing.T, d pgconn.DialFunc) pgconn.DialFunc
}

func newFixture(t *testing.T, changes ...func(*setup)) *fixture {
	t.Helper()
	var s setup
	for _, change := range changes {
		change(&s)
	}
	f := &fixture{sts: defaultScript(), wire: &wire{n: make(map[string]int)}}
	f.srv = &pgfake.Server{Lookup: f.sts.lookup, OnMessage: f.wire.observe}
	t.Cleanup(f.srv.Close)
	cfg, err := pgx.ParseConfig("host=fake user=u database=d sslmode=disable connect_timeout=10")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DialFunc = f.srv.Dial
	if s.dial != nil {
		cfg.DialFunc = s.dial(t, f.srv.Dial)
	}
	cfg.LookupFunc = func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
	cfg.Tracer = s.tracer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	})
	if err := conn.PgConn().Conn().SetDeadline(time.Now().Add(ioDeadline)); err != nil {
		t.Fatal(err)
	}
	f.e = New(conn, s.cfg)
	sessions := f.srv.Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions on the fake server, want 1", len(sessions))
	}
	f.session = sessions[0]
	return f
}

// one is a batch of one statement through the pool.
func one(sql string, args ...any) *Batch {
	return &Batch{Ctx: context.Background(), Stmts: []Statement{{SQL: sql, Args: args}}, Shared: true}
}

// txn is a transaction through the pool: BEGIN, sqls, COMMIT.
func txn(sqls ...string) *Batch {
	b := &Batch{Ctx: context.Background(), Begin: "BEGIN", Shared: true}
	for _, sql := range sqls {
		b.Stmts = append(b.Stmts, Statement{SQL: sql})
	}
	return b
}

// errNotWritten is run's outcome for a batch it never got to write: the
// connection broke first.
var errNotWritten = errors.New("test: not written: the connection broke first")

// run drives e as the pool's owner does until every batch is resolved,
// and returns each batch's error: what PrepareFor or Write refused it
// with (nothing of it written), its Err once ReadNext returned it, or the
// *BrokenError of the connection it was in flight on. Batches are written
// in order, as many at once as may be (a transaction or an Alone batch
// holds the connection alone), each once the Prepares it waits for are
// answered; nothing is written while results wait in the read buffer.
// Like the owner, it sets each batch's Started as it is written.
func run(t *testing.T, e *Engine, bs ...*Batch) []error {
	t.Helper()
	errs := make([]error, len(bs))
	index := make(map[*Batch]int, len(bs))
	for i, b := range bs {
		index[b] = i
	}
	pending := slices.Clone(bs)
	var flight []*Batch
	alone := false
	lose := func(err error) []error {
		for _, b := range flight {
			errs[index[b]] = err
		}
		for _, b := range pending {
			errs[index[b]] = errNotWritten
		}
		e.Lose(err, err)
		return errs
	}
	for range 100_000 {
		if !e.ResultsBuffered() {
			wrote := false
			for len(pending) > 0 && !alone {
				b := pending[0]
				if b.Alone && (e.InFlight() || wrote) {
					break
				}
				ready, err := e.PrepareFor(b)
				if err != nil {
					errs[index[b]] = err
					pending = pending[1:]
					continue
				}
				if !ready {
					break
				}
				if err := e.Write(b); err != nil {
					if !errors.Is(err, ErrPrepareAgain) {
						errs[index[b]] = err
						pending = pending[1:]
					}
					continue
				}
				pending = pending[1:]
				flight = append(flight, b)
				b.Started = time.Now()
				wrote = true
				alone = b.Alone || b.Begin != ""
			}
			if err := e.Flush(); err != nil {
				return lose(err)
			}
		}
		if !e.InFlight() {
			if len(pending) == 0 {
				return errs
			}
			continue
		}
		b, err := e.ReadNext()
		if err != nil {
			return lose(err)
		}
		if b == nil {
			continue // only Prepares were answered
		}
		i := slices.Index(flight, b)
		if i < 0 {
			t.Fatalf("ReadNext returned a batch (%q) not in flight", nameOf(b))
		}
		flight = slices.Delete(flight, i, i+1)
		errs[index[b]] = b.Err
		if b.Alone || b.Begin != "" {
			alone = false
		}
	}
	t.Fatal("run: no progress after 100,000 rounds")
	return nil
}

// runOK is run, failing the test on any batch's error.
func runOK(t *testing.T, e *Engine, bs ...*Batch) {
	t.Helper()
	for i, err := range run(t, e, bs...) {
		if err != nil {
			t.Fatalf("batch %d (%q): %v", i, nameOf(bs[i]), err)
		}
	}
}

// warm runs each of sqls once, alone, so that it is prepared and cached.
func warm(t *testing.T, e *Engine, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		runOK(t, e, one(sql))
	}
}

// writeTogether writes bs, whose statements must all be cached, and
// flushes them in one write.
func writeTogether(t *testing.T, e *Engine, bs ...*Batch) {
	t.Helper()
	for i, b := range bs {
		ready, err := e.PrepareFor(b)
		if err != nil || !ready {
			t.Fatalf("batch %d (%q): PrepareFor = %v, %v; want it ready", i, nameOf(b), ready, err)
		}
		if err := e.Write(b); err != nil {
			t.Fatalf("batch %d (%q): Write: %v", i, nameOf(b), err)
		}
		b.Started = time.Now()
	}
	if err := e.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// readInOrder reads until each of bs is resolved, in that order.
func readInOrder(t *testing.T, e *Engine, bs ...*Batch) {
	t.Helper()
	for i, want := range bs {
		got, err := e.ReadNext()
		if err != nil {
			t.Fatalf("ReadNext for batch %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("ReadNext returned %p, want batch %d (%p)", got, i, want)
		}
	}
}

// nameOf names a batch in a failure: its first statement.
func nameOf(b *Batch) string {
	if b.Ping {
		return "ping"
	}
	return b.sqlAt(0)
}

// text is a result's value, as text.
func text(t *testing.T, res *Result, row, col int) string {
	t.Helper()
	if row >= res.Rows || col >= len(res.Fields) {
		t.Fatalf("value (%d, %d) of a result of %d rows, %d columns", row, col, res.Rows, len(res.Fields))
	}
	return string(res.Value(row, col))
}

// sqlState is err's SQLSTATE; "" if it is no server error.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// waitFor polls cond until it holds; the test fails after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// roundTrip runs a Ping, after which the server has handled everything
// written before it: its message counts are final.
func roundTrip(t *testing.T, e *Engine) {
	t.Helper()
	runOK(t, e, &Batch{Ctx: context.Background(), Ping: true})
}
