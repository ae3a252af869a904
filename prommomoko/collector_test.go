package prommomoko_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
	"github.com/momoko-go/momoko/prommomoko"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// recorder is a pool whose last Stats, the one a scrape used, is kept.
type recorder struct {
	p    *pool.Pool
	mu   sync.Mutex
	last pool.Stats
}

func (r *recorder) Stats() pool.Stats {
	s := r.p.Stats()
	r.mu.Lock()
	r.last = s
	r.mu.Unlock()
	return s
}

// TestCollectorMatchesStatsUnderLoad: scrapes taken while 12 callers
// queue behind 2 connections, some giving up and timing out, export
// exactly the Stats the scrape took; once the load stops and AutoShrink
// closes the stretched connections, the text exposition says so. The
// metric names pass client_golang's lint.
func TestCollectorMatchesStatsUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1, MaxSize: 2, AcquireTimeout: 30 * time.Millisecond,
		AutoShrink: true, ShrinkDelay: 100 * time.Millisecond, ShrinkPeriod: 20 * time.Millisecond,
		HealthCheckPeriod: -1, MaxLifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A session change, so that its counter is exported non-zero.
	if _, err := p.Execute(ctx, "SET search_path TO public").Await(ctx); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{p: p}
	c := prommomoko.NewCollector(rec, prommomoko.Opts{ConstLabels: prometheus.Labels{"pool": "test"}})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)

	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}

	stop := load(ctx, p, 12)
	matched := 0
	for deadline := time.Now().Add(20 * time.Second); matched < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("no scrape saw callers waiting, timing out and giving up: last %+v", rec.last)
		}
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		s := rec.last
		rec.mu.Unlock()
		compare(t, fams, s)
		if s.Waiting > 0 && s.Queue.Timeouts > 0 && s.Queue.Cancelled > 0 {
			matched++
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()

	waitFor(t, 10*time.Second, "the pool to shrink", func() bool {
		s := p.Stats()
		return s.Closes.Shrink >= 1 && s.Total == 1 && s.Waiting == 0
	})
	s := p.Stats()
	want := fmt.Sprintf(`
# HELP momoko_pool_connections_closed_total Connections the pool closed, by cause: lifetime, health_check, shrink, broken, reset.
# TYPE momoko_pool_connections_closed_total counter
momoko_pool_connections_closed_total{cause="broken",pool="test"} 0
momoko_pool_connections_closed_total{cause="health_check",pool="test"} 0
momoko_pool_connections_closed_total{cause="lifetime",pool="test"} 0
momoko_pool_connections_closed_total{cause="reset",pool="test"} 0
momoko_pool_connections_closed_total{cause="shrink",pool="test"} %d
# HELP momoko_pool_connections_opened_total Connections the pool started serving.
# TYPE momoko_pool_connections_opened_total counter
momoko_pool_connections_opened_total{pool="test"} %d
# HELP momoko_pool_waiting Calls queued in the pool for a connection now.
# TYPE momoko_pool_waiting gauge
momoko_pool_waiting{pool="test"} 0
`, s.Closes.Shrink, s.Opens)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "momoko_pool_connections_closed_total",
		"momoko_pool_connections_opened_total", "momoko_pool_waiting"); err != nil {
		t.Error(err)
	}
	if s.Opens != s.Closes.Shrink+1 {
		t.Errorf("opened %d, shrunk %d: want one more opened than shrunk", s.Opens, s.Closes.Shrink)
	}
}

// load runs n callers of a 20ms statement until stop is called (12 of
// them on 2 connections wait well beyond a 30ms AcquireTimeout, whatever
// the machine's speed): every
// third caller gives up after 10ms, and waits beyond AcquireTimeout fail.
func load(ctx context.Context, p *pool.Pool, n int) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				callCtx, done := ctx, context.CancelFunc(func() {})
				if i%3 == 0 {
					callCtx, done = context.WithTimeout(ctx, 10*time.Millisecond)
				}
				p.Execute(callCtx, "SELECT pg_sleep(0.02)").Await(callCtx)
				done()
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// compare checks every gathered sample against s, the Stats the scrape
// took.
func compare(t *testing.T, fams []*dto.MetricFamily, s pool.Stats) {
	t.Helper()
	down, since := 0.0, 0.0
	if s.Gate.Down {
		down, since = 1, float64(s.Gate.DownSince.UnixNano())/1e9
	}
	want := map[string]float64{
		"momoko_pool_connections{state=idle}":                      float64(s.Free),
		"momoko_pool_connections{state=busy}":                      float64(s.Busy),
		"momoko_pool_connections{state=dead}":                      float64(s.Dead),
		"momoko_pool_connections{state=pending}":                   float64(s.Pending),
		"momoko_pool_waiting":                                      float64(s.Waiting),
		"momoko_pool_min_connections":                              float64(s.Size),
		"momoko_pool_max_connections":                              float64(s.MaxSize),
		"momoko_pool_pipeline_depth_max":                           float64(s.DeepestPipeline),
		"momoko_pool_statements_total":                             float64(s.Statements),
		"momoko_pool_pipelined_statements_total":                   float64(s.Pipelined),
		"momoko_pool_acquires_total":                               float64(s.Queue.Acquires),
		"momoko_pool_waits_total":                                  float64(s.Queue.Waits),
		"momoko_pool_wait_duration_seconds_total":                  s.Queue.WaitTime.Seconds(),
		"momoko_pool_acquire_timeouts_total":                       float64(s.Queue.Timeouts),
		"momoko_pool_wait_cancellations_total":                     float64(s.Queue.Cancelled),
		"momoko_pool_wait_refusals_total":                          float64(s.Queue.Refused),
		"momoko_pool_connections_opened_total":                     float64(s.Opens),
		"momoko_pool_connection_open_failures_total":               float64(s.OpenFailures),
		"momoko_pool_connections_closed_total{cause=lifetime}":     float64(s.Closes.Lifetime),
		"momoko_pool_connections_closed_total{cause=health_check}": float64(s.Closes.HealthCheck),
		"momoko_pool_connections_closed_total{cause=shrink}":       float64(s.Closes.Shrink),
		"momoko_pool_connections_closed_total{cause=broken}":       float64(s.Closes.Broken),
		"momoko_pool_connections_closed_total{cause=reset}":        float64(s.Closes.Reset),
		"momoko_pool_statements_retried_total":                     float64(s.Retried),
		"momoko_pool_statements_lost_total":                        float64(s.Lost),
		"momoko_pool_session_changes_total":                        float64(s.SessionChanges),
		"momoko_gate_down":                                         down,
		"momoko_gate_down_start_time_seconds":                      since,
		"momoko_gate_dials_in_progress":                            float64(s.Gate.Dialing),
		"momoko_gate_dials_total":                                  float64(s.Gate.Dials),
		"momoko_gate_dial_failures_total":                          float64(s.Gate.DialFailures),
		"momoko_gate_redials_total":                                float64(s.Gate.Redials),
		"momoko_gate_fast_failures_total":                          float64(s.Gate.FastFailures),
		"momoko_gate_coalesced_total":                              float64(s.Gate.Coalesced),
		"momoko_pool_pipelined_phase_seconds_total{phase=queued}":  s.Latency.Breakdown.Queued.Seconds(),
		"momoko_pool_pipelined_phase_seconds_total{phase=behind}":  s.Latency.Breakdown.Behind.Seconds(),
		"momoko_pool_pipelined_phase_seconds_total{phase=server}":  s.Latency.Breakdown.Server.Seconds(),
		"momoko_pool_pipelined_phase_requests_total":               float64(s.Latency.Breakdown.Requests),
	}
	histograms := map[string]pool.Histogram{
		"momoko_pool_connection_wait_seconds":    s.Latency.Wait,
		"momoko_pool_statement_duration_seconds": s.Latency.Statement,
		"momoko_pool_connection_create_seconds":  s.Latency.Create,
		"momoko_pool_connection_use_seconds":     s.Latency.Use,
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() != "pool" {
					key += "{" + l.GetName() + "=" + l.GetValue() + "}"
				} else if l.GetValue() != "test" {
					t.Errorf("%s: pool label %q", f.GetName(), l.GetValue())
				}
			}
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				compareHistogram(t, key, m.Histogram, histograms[key])
				delete(histograms, key)
			}
		}
	}
	for name := range histograms {
		t.Errorf("histogram %s not exported", name)
	}
	if len(got) != len(want) {
		t.Errorf("%d samples, want %d", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v from Stats", k, g, ok, v)
		}
	}
}

// compareHistogram checks an exported histogram against the Stats one:
// the same count and sum, and cumulative buckets at the pool's bounds.
func compareHistogram(t *testing.T, name string, got *dto.Histogram, want pool.Histogram) {
	t.Helper()
	if got.GetSampleCount() != want.Count || got.GetSampleSum() != want.Sum.Seconds() {
		t.Errorf("%s: count %d, sum %v; want %d, %v", name, got.GetSampleCount(), got.GetSampleSum(), want.Count, want.Sum.Seconds())
	}
	bounds := pool.HistogramBounds()
	if len(got.GetBucket()) != len(bounds) {
		t.Fatalf("%s: %d buckets, want %d", name, len(got.GetBucket()), len(bounds))
	}
	var cumulative uint64
	for i, b := range got.GetBucket() {
		cumulative += want.Buckets[i]
		if b.GetUpperBound() != bounds[i].Seconds() || b.GetCumulativeCount() != cumulative {
			t.Errorf("%s: bucket le=%v counts %d, want le=%v %d", name, b.GetUpperBound(), b.GetCumulativeCount(), bounds[i].Seconds(), cumulative)
		}
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
