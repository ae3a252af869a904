package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// span is one traced statement or Prepare.
type span struct {
	prepare bool
	sql     string
	name    string // a Prepare's statement name
	args    []any
	caller  any // callerKey's value in the context its start was given
	ended   int
	err     error
	tag     string
	times   []Times // what Config.QueryTimes was told
}

type (
	callerKey struct{}
	spanKey   struct{}
)

// recorder is a pgx.QueryTracer and pgx.PrepareTracer that records spans.
type recorder struct {
	mu    sync.Mutex
	spans []*span
}

func (r *recorder) start(ctx context.Context, s *span) context.Context {
	s.caller = ctx.Value(callerKey{})
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, s)
}

func (r *recorder) end(ctx context.Context, tag string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ctx.Value(spanKey{}).(*span)
	s.ended++
	s.tag, s.err = tag, err
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return r.start(ctx, &span{sql: d.SQL, args: d.Args})
}

func (r *recorder) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	r.end(ctx, d.CommandTag.String(), d.Err)
}

func (r *recorder) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	return r.start(ctx, &span{prepare: true, sql: d.SQL, name: d.Name})
}

func (r *recorder) TracePrepareEnd(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareEndData) {
	r.end(ctx, "", d.Err)
}

// queryTimes is a Config.QueryTimes that records on the span.
func (r *recorder) queryTimes(trace context.Context, _ *pgx.Conn, t Times) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := trace.Value(spanKey{}).(*span)
	s.times = append(s.times, t)
}

// of are the spans whose start was given caller's context, statements or
// Prepares.
func (r *recorder) of(caller any, prepare bool) []*span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*span
	for _, s := range r.spans {
		if s.caller == caller && s.prepare == prepare {
			out = append(out, s)
		}
	}
	return out
}

func traced(r *recorder) func(*setup) {
	return func(s *setup) {
		s.tracer = r
		s.cfg.QueryTimes = r.queryTimes
	}
}

// TestEngineTracesStatements: the tracer sees each Prepare and each
// statement start and end once, with its caller's context, SQL, arguments
// and tag or error; statements the server skipped after an error end with
// errSkipped, and Config.QueryTimes is told of each statement read.
func TestEngineTracesStatements(t *testing.T) {
	r := &recorder{}
	f := newFixture(t, traced(r))
	const maybe = "SELECT maybe"
	st, fail := failsOnCue("23505")
	f.sts.set(maybe, st)
	fail.Store(true)
	b := txn(insert, maybe, selectTwo)
	b.Ctx, b.Queued = context.WithValue(context.Background(), callerKey{}, "tx"), time.Now()
	if code := sqlState(run(t, f.e, b)[0]); code != "23505" {
		t.Fatalf("SQLSTATE %q, want 23505", code)
	}

	var prepared, names []string
	for _, s := range r.of("tx", true) {
		if s.ended != 1 || s.err != nil || s.name == "" {
			t.Errorf("Prepare of %q as %q: ended %d times with %v; want once, named, no error", s.sql, s.name, s.ended, s.err)
		}
		prepared, names = append(prepared, s.sql), append(names, s.name)
	}
	if want := []string{"BEGIN", insert, maybe, selectTwo, "COMMIT"}; !slices.Equal(prepared, want) {
		t.Errorf("Prepares traced: %q, want %q", prepared, want)
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != 5 {
		t.Errorf("statement names %q, want five distinct", names)
	}

	want := []struct {
		sql, tag string
		code     string
		skipped  bool
	}{{"BEGIN", "BEGIN", "", false}, {insert, "INSERT 0 1", "", false}, {maybe, "", "23505", false}, {selectTwo, "", "", true}, {"COMMIT", "", "", true}}
	spans := r.of("tx", false)
	if len(spans) != len(want) {
		t.Fatalf("%d statements traced, want %d", len(spans), len(want))
	}
	for i, w := range want {
		s := spans[i]
		ok := s.sql == w.sql && s.ended == 1 && s.tag == w.tag && errors.Is(s.err, errSkipped) == w.skipped && sqlState(s.err) == w.code
		if w.code == "" && !w.skipped {
			ok = ok && s.err == nil
		}
		if !ok {
			t.Errorf("span %d: %q ended %d times with tag %q, error %v; want %q, once, tag %q, SQLSTATE %q, skipped %v",
				i, s.sql, s.ended, s.tag, s.err, w.sql, w.tag, w.code, w.skipped)
		}
		// Skipped statements were never read: QueryTimes is not told.
		if n := len(s.times); n != map[bool]int{true: 0, false: 1}[w.skipped] {
			t.Errorf("span %d (%q): QueryTimes told %d times", i, s.sql, n)
		}
		for _, tm := range s.times {
			if tm.Queued < 0 || tm.Behind < 0 || tm.Server < 0 {
				t.Errorf("span %d (%q): negative times %+v", i, s.sql, tm)
			}
		}
	}

	e := one(echo, "x")
	e.Ctx = context.WithValue(context.Background(), callerKey{}, "echo")
	runOK(t, f.e, e)
	if s := r.of("echo", false); len(s) != 1 || !slices.Equal(s[0].args, []any{"x"}) || s[0].tag != "SELECT 1" || s[0].ended != 1 {
		t.Fatalf("the echo's span: %+v, want its argument and tag", s)
	}
}

// TestEngineLoseEndsTraces: on a connection that broke, the statement
// being read ends its trace with Config.Lost's error; Lose ends the others
// in flight, those flushed with lost and one never flushed with unsent,
// each once; nothing is in flight afterwards.
func TestEngineLoseEndsTraces(t *testing.T) {
	r := &recorder{}
	errLost := errors.New("test: connection lost")
	f := newFixture(t, traced(r), func(s *setup) {
		s.cfg.Lost = func(err error) error { return fmt.Errorf("%w: %w", errLost, err) }
	})
	const cutter = "SELECT cut"
	var cut atomic.Bool
	f.sts.set(cutter, pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(_ context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
			if cut.Load() {
				c.Cut()
			}
			return nil, "SELECT 0", nil
		}})
	warm(t, f.e, selectOne, cutter, selectTwo)
	cut.Store(true)
	batch := func(sql, caller string) *Batch {
		b := one(sql)
		b.Ctx = context.WithValue(context.Background(), callerKey{}, caller)
		return b
	}
	a, b, c, d := batch(selectOne, "a"), batch(cutter, "b"), batch(selectTwo, "c"), batch(selectOne, "d")
	writeTogether(t, f.e, a, b, c)
	if ready, err := f.e.PrepareFor(d); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	if err := f.e.Write(d); err != nil {
		t.Fatal(err)
	}
	readInOrder(t, f.e, a)
	if _, err := f.e.ReadNext(); !errors.As(err, new(*BrokenError)) {
		t.Fatalf("ReadNext after the cut: %v, want a *BrokenError", err)
	}
	if f.e.NeverSent(c) || !f.e.NeverSent(d) {
		t.Fatalf("NeverSent: c %v, d %v; want false, true", f.e.NeverSent(c), f.e.NeverSent(d))
	}
	lost, unsent := errors.New("test: lost"), errors.New("test: unsent")
	f.e.Lose(lost, unsent)
	if f.e.InFlight() {
		t.Fatal("in flight after Lose")
	}
	for _, w := range []struct {
		caller string
		err    error
	}{{"a", nil}, {"b", errLost}, {"c", lost}, {"d", unsent}} {
		spans := r.of(w.caller, false)
		if len(spans) != 1 || spans[0].ended != 1 || (w.err == nil) != (spans[0].err == nil) || !errors.Is(spans[0].err, w.err) {
			for _, s := range spans {
				t.Logf("%s: %q ended %d times with %v", w.caller, s.sql, s.ended, s.err)
			}
			t.Errorf("%s: want one span, ended once with %v", w.caller, w.err)
		}
	}
}
