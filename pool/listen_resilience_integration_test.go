package pool_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestListenCutReconnectsWithAGap: the listener's connection is cut while
// another session sends numbered notifications. Those before the cut
// arrive in order, each once; then a gap with the connection's error;
// then, once a new connection listens, every notification sent after the
// gap was read arrives exactly once, in order.
func TestListenCutReconnectsWithAGap(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn := proxiedDSN(t, srv)
	direct, err := pgtest.WithAddr(dsn, srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, ReconnectInterval: 100 * time.Millisecond})
	l := listen(t, ctx, p, pool.ListenOptions{}, "seq")

	sender := newNotifier(t, ctx, direct)
	stop, sent := make(chan struct{}), make(chan int, 1)
	go func() {
		i := 0
		defer func() { sent <- i }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := sender.conn.Exec(ctx, "SELECT pg_notify('seq', $1)", "pre-"+strconv.Itoa(i+1)); err != nil {
				t.Errorf("sending pre-%d: %v", i+1, err)
				return
			}
			i++
		}
	}()
	var total int
	stopped := false
	stopSender := func() {
		if !stopped {
			stopped = true
			close(stop)
			total = <-sent
		}
	}
	defer stopSender()

	// seen checks that the numbered notifications before the marker come
	// in order, each once: one lost connection cannot repeat or reorder
	// them.
	last := 0
	pre := func(n pool.Notification) bool {
		t.Helper()
		num, ok := strings.CutPrefix(n.Payload, "pre-")
		if !ok {
			return false
		}
		k, err := strconv.Atoi(num)
		if err != nil || k <= last {
			t.Fatalf("read %s after pre-%d: out of order or repeated", n.Payload, last)
		}
		last = k
		return true
	}
	for last < 5 {
		n, err := next(t, ctx, l)
		if err != nil || !pre(n) {
			t.Fatalf("before the cut: read %+v, %v", n, err)
		}
	}
	proxy.CutAll()
	var gap *pool.GapError
	for gap == nil {
		n, err := next(t, ctx, l)
		switch {
		case errors.As(err, &gap):
		case err != nil:
			t.Fatalf("after the cut: %v", err)
		case !pre(n):
			t.Fatalf("after the cut: read %+v", n)
		}
	}
	if gap.Cause == nil || gap.Dropped != 0 {
		t.Fatalf("gap %v: want the lost connection's error and nothing dropped", gap)
	}
	stopSender()

	nf := newNotifier(t, ctx, direct)
	const posts = 50
	for i := range posts {
		nf.notify("seq", "post-"+strconv.Itoa(i))
	}
	nf.notify("seq", "end")
	// What the sender sent after the gap may still be on its way; the
	// rest is exact.
	var got []string
	for {
		n, err := next(t, ctx, l)
		if err != nil {
			t.Fatalf("after the gap: %v", err)
		}
		if pre(n) {
			continue
		}
		if n.Payload == "end" {
			break
		}
		got = append(got, n.Payload)
	}
	if last > total {
		t.Fatalf("read pre-%d, but only %d were sent", last, total)
	}
	want := make([]string, posts)
	for i := range want {
		want[i] = "post-" + strconv.Itoa(i)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the gap read %v, want %v", got, want)
	}
	if st := l.Stats(); st.Reconnects != 1 {
		t.Errorf("Stats.Reconnects = %d, want 1", st.Reconnects)
	}
}

// TestListenSurvivesRestart: across a server restart the listener comes
// back by itself, reports the gap and delivers again; neither its errors
// nor its log show the DSN's password.
func TestListenSurvivesRestart(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.New(t, pgtest.Options{})
	db, err := srv.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const password = "l1sten-s3cret"
	if err := srv.Exec(ctx, "CREATE ROLE listener LOGIN PASSWORD '"+password+"'"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("listener", password)
	var log syncBuffer
	p := openPool(t, ctx, u.String(), pool.Options{Size: 1, ReconnectInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	l := listen(t, ctx, p, pool.ListenOptions{}, "events")
	send := func(payload string) {
		t.Helper()
		newNotifier(t, ctx, srv.DatabaseDSN(db)).notify("events", payload)
	}
	send("before")
	expect(t, ctx, l, "events", "before")

	if err := srv.Restart(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	gap := expectGap(t, ctx, l)
	if gap.Cause == nil {
		t.Errorf("gap %v: want the lost connection's error", gap)
	}
	send("after")
	expect(t, ctx, l, "events", "after")

	text := log.String()
	for _, want := range []string{"listener connection lost", "listener reconnected"} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, password) || strings.Contains(gap.Error(), password) {
		t.Errorf("the password shows in the log or the gap:\n%s\n%v", text, gap)
	}
}

// TestListenPingFindsSilentPartition: a connection that stops answering
// without closing (a partition, a NAT that forgot it) is found by the
// ping after HealthCheckPeriod of silence and replaced, with a gap;
// reading alone would wait on it forever, and its notifications, held
// back, would come late with no gap.
func TestListenPingFindsSilentPartition(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	proxy, dsn := proxiedDSN(t, srv)
	direct, err := pgtest.WithAddr(dsn, srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, ReconnectInterval: 100 * time.Millisecond,
		HealthCheckPeriod: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	l := listen(t, ctx, p, pool.ListenOptions{}, "c")

	proxy.Blackhole()
	healed := false
	defer func() {
		if !healed {
			proxy.Heal()
		}
	}()
	waitFor(t, readTimeout, "the listener to find its connection dead", func() bool {
		return strings.Contains(log.String(), "listener connection lost")
	})
	proxy.Heal()
	healed = true
	defer func() {
		if t.Failed() {
			t.Logf("log:\n%s", log.String())
		}
	}()
	if gap := expectGap(t, ctx, l); gap.Cause == nil {
		t.Errorf("gap %v: want the failed ping's error", gap)
	}
	newNotifier(t, ctx, direct).notify("c", "after")
	expect(t, ctx, l, "c", "after")
}

// TestListenTerminatedBackendReconnects: pg_terminate_backend on the
// listener's session is a lost connection like any other: a gap whose
// Cause is the server's 57P01, then delivery on a new session.
func TestListenTerminatedBackendReconnects(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, ReconnectInterval: 100 * time.Millisecond})
	l := listen(t, ctx, p, pool.ListenOptions{}, "c")
	nf := newNotifier(t, ctx, dsn)
	var terminated bool
	if err := nf.conn.QueryRow(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&terminated); err != nil || !terminated {
		t.Fatalf("pg_terminate_backend: %v, %v", terminated, err)
	}
	if gap := expectGap(t, ctx, l); sqlState(gap.Cause) != "57P01" {
		t.Fatalf("gap %v: want the server's 57P01 as its cause", gap)
	}
	nf.notify("c", "after")
	expect(t, ctx, l, "c", "after")
}
