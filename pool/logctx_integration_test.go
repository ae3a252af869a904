package pool_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

type traceKey struct{}

// captured is a log record as a handler saw it: its message, attribute
// keys and the trace found in its context.
type captured struct {
	msg   string
	keys  []string
	trace any
}

// capture is a slog.Handler that keeps every record.
type capture struct {
	mu   sync.Mutex
	recs []captured
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(ctx context.Context, r slog.Record) error {
	rec := captured{msg: r.Message, trace: ctx.Value(traceKey{})}
	r.Attrs(func(a slog.Attr) bool { rec.keys = append(rec.keys, a.Key); return true })
	c.mu.Lock()
	c.recs = append(c.recs, rec)
	c.mu.Unlock()
	return nil
}

// find returns the first record with msg.
func (c *capture) find(msg string) (captured, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.recs {
		if r.msg == msg {
			return r, true
		}
	}
	return captured{}, false
}

// TestLeakReportCarriesTakersContext: the leak report reaches the
// handler with the context of the caller that took the connection (its
// trace), under the keys held and stack.
func TestLeakReportCarriesTakersContext(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	logs := &capture{}
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, LeakThreshold: 50 * time.Millisecond, Logger: slog.New(logs)})
	taker, cancel := context.WithCancel(context.WithValue(ctx, traceKey{}, "trace-1"))
	c, err := p.Acquire(taker)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the report comes later, with the taker's values all the same
	var rec captured
	waitFor(t, 5*time.Second, "the leak report", func() (ok bool) {
		rec, ok = logs.find("momoko: connection not put back")
		return ok
	})
	p.PutConn(c)
	if rec.trace != "trace-1" || !slices.Equal(rec.keys, []string{"held", "stack"}) {
		t.Errorf("leak report: trace %v, keys %v; want trace-1, [held stack]", rec.trace, rec.keys)
	}
}

// TestDialFailureLogCarriesCallersContext: the driver's report that the
// database is not available reaches the handler with the context of the
// call whose dial found it down, under the keys error and
// reconnect_interval.
func TestDialFailureLogCarriesCallersContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: dials are refused
	logs := &capture{}
	p, err := pool.New("postgres://nobody@"+addr+"/db?connect_timeout=2", pool.Options{Size: 1, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.WithValue(testContext(t), traceKey{}, "trace-2")
	if _, err := p.Connect(ctx).Await(ctx); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
	rec, ok := logs.find("momoko: database not available")
	if !ok || rec.trace != "trace-2" || !slices.Equal(rec.keys, []string{"error", "reconnect_interval"}) {
		t.Errorf("report %+v (found %v), want trace-2 and keys [error reconnect_interval]", rec, ok)
	}
}
