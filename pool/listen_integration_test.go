package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// readTimeout bounds one read of a listener in the tests: a notification
// that never comes fails the test there, with what it waited for.
const readTimeout = 20 * time.Second

// notifier is a connection of its own to dsn's database, for NOTIFY.
type notifier struct {
	t    *testing.T
	ctx  context.Context
	conn *pgx.Conn
	pid  uint32
}

func newNotifier(t *testing.T, ctx context.Context, dsn string) *notifier {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &notifier{t: t, ctx: ctx, conn: conn, pid: conn.PgConn().PID()}
}

func (n *notifier) notify(channel, payload string) {
	n.t.Helper()
	if _, err := n.conn.Exec(n.ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		n.t.Fatalf("pg_notify(%q, %q): %v", channel, payload, err)
	}
}

// next reads l's next entry, waiting at most readTimeout.
func next(t *testing.T, ctx context.Context, l *pool.Listener) (pool.Notification, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	n, err := l.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no notification within %v", readTimeout)
	}
	return n, err
}

// expect reads l's next entry and fails unless it is a notification of
// channel with payload.
func expect(t *testing.T, ctx context.Context, l *pool.Listener, channel, payload string) pool.Notification {
	t.Helper()
	n, err := next(t, ctx, l)
	if err != nil || n.Channel != channel || n.Payload != payload {
		t.Fatalf("read %+v, %v; want %s:%s", n, err, channel, payload)
	}
	return n
}

// expectGap reads l's next entry and fails unless it is a gap.
func expectGap(t *testing.T, ctx context.Context, l *pool.Listener) *pool.GapError {
	t.Helper()
	n, err := next(t, ctx, l)
	var gap *pool.GapError
	if !errors.Is(err, pool.ErrNotificationsMissed) || !errors.As(err, &gap) {
		t.Fatalf("read %+v, %v; want a *GapError", n, err)
	}
	return gap
}

func listen(t *testing.T, ctx context.Context, p *pool.Pool, opts pool.ListenOptions, channels ...string) *pool.Listener {
	t.Helper()
	l, err := p.ListenWithOptions(ctx, opts, channels...)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestListenDeliversWhatWasSent: notifications arrive with their channel,
// payload and sender, in the order sent; channel names are taken as
// given (case, quotes), NOTIFY's unquoted name is folded to lower case as
// usual; the listener's connection runs the pool's setsession and takes
// no slot of the pool, whose only connection stays free to take.
func TestListenDeliversWhatWasSent(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn+"&setsession=SET%20application_name%3D'listen-test'", pool.Options{Size: 1, MaxSize: 1})
	l := listen(t, ctx, p, pool.ListenOptions{}, "orders", `Mixed "Case"`)
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire with a Listener open on a pool of MaxSize 1: %v", err)
	}
	defer p.PutConn(c)
	if st := p.Stats(); st.Total != 1 {
		t.Errorf("Stats.Total = %d, want 1: the listener's connection is not the pool's", st.Total)
	}

	nf := newNotifier(t, ctx, dsn)
	nf.notify("orders", "1")
	nf.notify(`Mixed "Case"`, "2")
	nf.notify(`mixed "case"`, "not listened")
	if _, err := nf.conn.Exec(ctx, "NOTIFY ORDERS, '3'"); err != nil {
		t.Fatal(err)
	}
	n := expect(t, ctx, l, "orders", "1")
	if n.PID != nf.pid {
		t.Errorf("PID = %d, want the sender's %d", n.PID, nf.pid)
	}
	expect(t, ctx, l, `Mixed "Case"`, "2")
	expect(t, ctx, l, "orders", "3")

	var listening int
	if err := nf.conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'listen-test' AND query LIKE 'LISTEN%'`).Scan(&listening); err != nil {
		t.Fatal(err)
	}
	if listening != 1 {
		t.Errorf("%d backends with setsession's application_name ran LISTEN, want 1", listening)
	}
	if got := l.Channels(); len(got) != 2 || got[0] != `Mixed "Case"` || got[1] != "orders" {
		t.Errorf("Channels = %q", got)
	}
}

// TestListenUnlistenWhileDelivering: while another session floods a
// channel, a channel added with Listen gets every notification sent after
// Listen returns, and one removed with Unlisten none sent after Unlisten
// returns: the NOTIFY after it on the same session comes first.
func TestListenUnlistenWhileDelivering(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	// Room for the whole flood: a gap would stand for lost notifications,
	// and this test is not about the buffer.
	l := listen(t, ctx, p, pool.ListenOptions{Buffer: 1 << 20}, "flood")

	flooder := newNotifier(t, ctx, dsn)
	stop, stopped := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				stopped <- nil
				return
			default:
			}
			if _, err := flooder.conn.Exec(ctx, "SELECT pg_notify('flood', 'x')"); err != nil {
				stopped <- err
				return
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-stopped; err != nil {
			t.Errorf("flooding: %v", err)
		}
	}()

	nf := newNotifier(t, ctx, dsn)
	// readUntil reads past the flood to the first notification of
	// another channel.
	readUntil := func() pool.Notification {
		t.Helper()
		for {
			n, err := next(t, ctx, l)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if n.Channel != "flood" {
				return n
			}
		}
	}
	for i := range 20 {
		if err := l.Listen(ctx, "Toggled"); err != nil {
			t.Fatalf("round %d: Listen: %v", i, err)
		}
		nf.notify("Toggled", fmt.Sprint("on-", i))
		if n := readUntil(); n.Channel != "Toggled" || n.Payload != fmt.Sprint("on-", i) {
			t.Fatalf("round %d: read %+v after Listen, want Toggled:on-%d", i, n, i)
		}
		l.Unlisten("Toggled")
		nf.notify("Toggled", fmt.Sprint("off-", i))
		nf.notify("mark", fmt.Sprint(i))
		if i == 0 {
			if err := l.Listen(ctx, "mark"); err != nil {
				t.Fatal(err)
			}
			nf.notify("mark", "0")
		}
		if n := readUntil(); n.Channel != "mark" || n.Payload != fmt.Sprint(i) {
			t.Fatalf("round %d: read %+v after Unlisten, want mark:%d", i, n, i)
		}
	}
	if got := l.Channels(); len(got) != 2 || got[0] != "flood" || got[1] != "mark" {
		t.Errorf("Channels = %q, want [flood mark]", got)
	}
}

// TestListenOverflowDropsNewest: with nobody reading, a buffer of 4 keeps
// the first 4 notifications and counts the rest in one gap behind them;
// the connection goes on reading meanwhile (a Listen is served), and
// delivery resumes after the gap once the reader catches up.
func TestListenOverflowDropsNewest(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	l := listen(t, ctx, p, pool.ListenOptions{Buffer: 4}, "burst")
	nf := newNotifier(t, ctx, dsn)
	if _, err := nf.conn.Exec(ctx, "SELECT pg_notify('burst', g::text) FROM generate_series(1, 10) g"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, readTimeout, "10 notifications received", func() bool { return l.Stats().Received == 10 })
	if err := l.Listen(ctx, "other"); err != nil {
		t.Fatalf("Listen with the buffer full: %v", err)
	}
	nf.notify("other", "x")
	waitFor(t, readTimeout, "11 notifications received", func() bool { return l.Stats().Received == 11 })

	for i := 1; i <= 4; i++ {
		expect(t, ctx, l, "burst", fmt.Sprint(i))
	}
	if gap := expectGap(t, ctx, l); gap.Dropped != 7 || gap.Cause != nil {
		t.Fatalf("gap: Dropped %d, Cause %v; want 7 dropped (5 to 10, other:x), no connection error", gap.Dropped, gap.Cause)
	}
	nf.notify("burst", "after")
	expect(t, ctx, l, "burst", "after")
	if st := l.Stats(); st.Dropped != 7 || st.Buffered != 0 || st.Reconnects != 0 {
		t.Errorf("Stats = %+v, want 7 dropped, none buffered, no reconnect", st)
	}
}

// TestListenCloseFreesEverything: Close unblocks a reader waiting in Next
// and one ranging over Notifications, closes the connection and ends
// every goroutine; later calls say the listener is closed.
func TestListenCloseFreesEverything(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	db := databaseName(t, dsn)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	l, err := p.Listen(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	waitBackends(t, ctx, srv, db, 2)

	next, ranged := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := l.Next(context.Background())
		next <- err
	}()
	go func() {
		var last error
		for _, err := range l.Notifications(context.Background()) {
			last = err
		}
		ranged <- last
	}()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for what, ch := range map[string]chan error{"Next": next, "Notifications": ranged} {
		select {
		case err := <-ch:
			if !errors.Is(err, pool.ErrListenerClosed) {
				t.Errorf("%s returned %v, want ErrListenerClosed", what, err)
			}
		case <-time.After(readTimeout):
			t.Fatalf("%s still blocked after Close", what)
		}
	}
	waitBackends(t, ctx, srv, db, 1)
	if err := l.Listen(ctx, "d"); !errors.Is(err, pool.ErrListenerClosed) {
		t.Errorf("Listen after Close: %v, want ErrListenerClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	// TestMain's goleak check fails the run if the listener's goroutine
	// outlived Close: Close waits for it.
}

// TestListenEndsWithThePool: the pool's Close ends its listeners (their
// readers get ErrPoolClosed) and closes their connections; no Listener
// opens on a closed pool.
func TestListenEndsWithThePool(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	l, err := p.Listen(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Next(ctx); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("Next after the pool's Close: %v, want ErrPoolClosed", err)
	}
	waitBackends(t, ctx, srv, databaseName(t, dsn), 0)
	if err := l.Close(); err != nil {
		t.Errorf("Close after the pool's: %v", err)
	}
	if _, err := p.Listen(ctx, "c"); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("Listen on a closed pool: %v, want ErrPoolClosed", err)
	}
}

// TestListenOnStandbyRefused: a standby refuses LISTEN; the listener
// reports the server's error and keeps no channel it refused.
func TestListenOnStandbyRefused(t *testing.T) {
	ctx := testContext(t)
	primary := pgtest.New(t, pgtest.Options{})
	db, err := primary.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	standby := primary.NewStandby(t)
	p := openPool(t, ctx, standby.DatabaseDSN(db), pool.Options{Size: 1})
	if _, err := p.Listen(ctx, "c"); sqlState(err) != "25006" {
		t.Fatalf("Listen on a standby: %v, want SQLSTATE 25006", err)
	}
	l, err := p.Listen(ctx)
	if err != nil {
		t.Fatalf("Listen on no channel: %v", err)
	}
	defer l.Close()
	if err := l.Listen(ctx, "c"); sqlState(err) != "25006" {
		t.Fatalf("Listener.Listen on a standby: %v, want SQLSTATE 25006", err)
	}
	if got := l.Channels(); len(got) != 0 {
		t.Fatalf("Channels = %q after the server refused them, want none", got)
	}
}

// TestListenRefusesOnNotificationHandler: with pgx's OnNotification set,
// notifications would go to it and never to the listener.
func TestListenRefusesOnNotificationHandler(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.OnNotification = func(*pgconn.PgConn, *pgconn.Notification) {}
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Listen(ctx, "c"); !errors.Is(err, pool.ErrInvalidOptions) || !strings.Contains(err.Error(), "OnNotification") {
		t.Fatalf("Listen: %v, want ErrInvalidOptions naming OnNotification", err)
	}
}
