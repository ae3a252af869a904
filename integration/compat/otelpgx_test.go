package compat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// otelpgx, set as the ConnConfig's tracer, makes one span per Execute,
// pipelined or not, named for its statement, inside the caller's span,
// and within the time the caller waited for it (and one per Prepare).
func TestOtelpgxSpanPerExecute(t *testing.T) {
	ctx := testContext(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	cfg, err := driver.ParseConfig(pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(tp))
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{Size: 2, MaxSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	ctx, parent := tp.Tracer("app").Start(ctx, "request")
	const calls = 40
	type window struct{ from, to time.Time }
	windows := make([]window, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			from := time.Now()
			sql := fmt.Sprintf("SELECT %d", i)
			if _, err := p.Execute(ctx, sql).Await(ctx); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
			windows[i] = window{from, time.Now()}
		})
	}
	wg.Wait()
	parent.End()

	seen := map[string]int{}
	for _, s := range spans.Ended() {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			continue
		}
		if strings.HasPrefix(s.Name(), "prepare ") {
			continue // each statement is prepared on its connection first, as pgx does
		}
		seen[s.Name()]++
		var i int
		if _, err := fmt.Sscanf(s.Name(), "query SELECT %d", &i); err != nil || i < 0 || i >= calls {
			t.Errorf("span %q under the caller's span", s.Name())
			continue
		}
		if w := windows[i]; s.StartTime().Before(w.from) || s.EndTime().After(w.to) || !s.EndTime().After(s.StartTime()) {
			t.Errorf("%s: span %v to %v, outside its call %v to %v", s.Name(), s.StartTime(), s.EndTime(), w.from, w.to)
		}
	}
	for i := range calls {
		if n := seen[fmt.Sprintf("query SELECT %d", i)]; n != 1 {
			t.Errorf("SELECT %d: %d spans, want 1", i, n)
		}
	}
	if st := p.Stats(); st.Pipelined == 0 {
		t.Logf("no statement was pipelined in this run (%d statements)", st.Statements)
	}
}
