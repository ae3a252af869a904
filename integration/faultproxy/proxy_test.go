package faultproxy_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/integration/faultproxy"
	"github.com/momoko-go/momoko/integration/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func proxied(t *testing.T) (*faultproxy.Proxy, string) {
	t.Helper()
	srv := pgtest.Shared(t)
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	dsn, err := pgtest.WithAddr(srv.NewDatabase(t), p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return p, dsn
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestForwardsQueries(t *testing.T) {
	p, dsn := proxied(t)
	conn := connect(t, dsn)
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Fatalf("SELECT 40 + 2 = %d, %v", n, err)
	}
	if s := p.Stats(); s.Accepted != 1 || s.Active != 1 {
		t.Fatalf("stats %+v, want 1 accepted and active", s)
	}
}

func TestCutAllReachesClientAsConnectionError(t *testing.T) {
	p, dsn := proxied(t)
	conn := connect(t, dsn)
	p.CutAll()
	_, err := conn.Exec(context.Background(), "SELECT 1")
	if err == nil {
		t.Fatal("query over a cut connection succeeded")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		t.Fatalf("cut reached the client as a server error: %v", err)
	}
	if !conn.IsClosed() {
		t.Fatalf("connection still open after %v", err)
	}
	if got := p.Stats().Cut; got != 1 {
		t.Fatalf("Cut = %d, want 1", got)
	}
	// The proxy still serves new connections.
	connect(t, dsn)
}

func TestBlackholeReachesClientAsDeadline(t *testing.T) {
	p, dsn := proxied(t)
	conn := connect(t, dsn)
	p.Blackhole()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := conn.Exec(ctx, "SELECT 1")
	if !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
		t.Fatalf("query in a blackhole: %v, want a deadline", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	_, err = pgx.Connect(ctx2, dsn)
	if !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connect into a blackhole: %v, want a deadline", err)
	}
	p.Heal()
	fresh := connect(t, dsn)
	if _, err := fresh.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("after Heal: %v", err)
	}
}

func TestRefuseIsConnectionRefused(t *testing.T) {
	p, dsn := proxied(t)
	held := connect(t, dsn)
	p.Refuse()
	_, err := pgx.Connect(context.Background(), dsn)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect while refusing: %v, want ECONNREFUSED", err)
	}
	if _, err := held.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("Refuse broke an existing connection: %v", err)
	}
	if err := p.Accept(); err != nil {
		t.Fatal(err)
	}
	connect(t, dsn)
}

func TestTargetDownIsCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for range 3 {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("read from a connection to a dead target succeeded")
		}
		c.Close()
	}
	if s := p.Stats(); s.Accepted != 3 || s.TargetRefused != 3 {
		t.Fatalf("stats %+v, want 3 accepted and 3 target refusals", s)
	}
}

func TestCloseTwice(t *testing.T) {
	p, err := faultproxy.New("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, faultproxy.ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
	if err := p.Accept(); !errors.Is(err, faultproxy.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want ErrClosed", err)
	}
}

func BenchmarkLatency(b *testing.B) {
	srv := pgtest.Shared(b)
	p, err := faultproxy.New(srv.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	dsn, _ := pgtest.WithAddr(srv.DSN(), p.Addr())
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	p.Latency(time.Millisecond)
	for b.Loop() {
		if _, err := conn.Exec(context.Background(), "SELECT 1"); err != nil {
			b.Fatal(err)
		}
	}
}
