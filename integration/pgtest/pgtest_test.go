package pgtest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func queryInt(t *testing.T, dsn, sql string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSharedServerAnswersOverTCPAndSocket(t *testing.T) {
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	if got := queryInt(t, dsn, "SELECT 41 + 1"); got != 42 {
		t.Fatalf("SELECT 41 + 1 = %d", got)
	}
	if got := queryInt(t, dsn, "SELECT count(*) FROM pg_extension WHERE extname = 'hstore'"); got != 1 {
		t.Fatalf("hstore extensions in a new database = %d, want 1", got)
	}
	if srv.Kind() != "local" {
		t.Skipf("socket DSN: %s server", srv.Kind())
	}
	if got := queryInt(t, srv.SocketDSN("postgres"), "SELECT 7"); got != 7 {
		t.Fatalf("over the socket SELECT 7 = %d", got)
	}
	t.Logf("shared server started in %v", srv.StartupTime())
}

func TestRestartKeepsData(t *testing.T) {
	srv := pgtest.New(t, pgtest.Options{})
	ctx := context.Background()
	if err := srv.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []pgtest.ShutdownMode{pgtest.ShutdownFast, pgtest.ShutdownImmediate, pgtest.ShutdownSmart} {
		if err := srv.Restart(ctx, mode); err != nil {
			t.Fatalf("restart %v: %v", mode, err)
		}
		if got := queryInt(t, srv.DSN(), "SELECT sum(n) FROM kept"); got != 3 {
			t.Fatalf("after %v restart sum = %d, want 3", mode, got)
		}
	}
}

func TestStoppedServerRefusesThenStartRecovers(t *testing.T) {
	srv := pgtest.New(t, pgtest.Options{})
	ctx := context.Background()
	if err := srv.Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Conn(ctx); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect to a stopped server: %v, want connection refused", err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, srv.DSN(), "SELECT 1"); got != 1 {
		t.Fatal("no answer after start")
	}
}

func TestKillThenStartRecovers(t *testing.T) {
	srv := pgtest.New(t, pgtest.Options{})
	ctx := context.Background()
	if err := srv.Exec(ctx, "CREATE TABLE crash (n int); INSERT INTO crash VALUES (5)"); err != nil {
		t.Fatal(err)
	}
	held, err := srv.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	// A backend ends once it notices its postmaster is gone, which may take
	// it a moment: until then it can still answer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := held.Exec(ctx, "SELECT 1"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a connection survived the crash of its server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, srv.DSN(), "SELECT n FROM crash"); got != 5 {
		t.Fatalf("after crash recovery n = %d, want 5", got)
	}
}

func TestStartFindsDebianBinariesWithoutPath(t *testing.T) {
	if pgtest.Shared(t).Kind() != "local" {
		t.Skip("not using local binaries")
	}
	t.Setenv("PATH", "")
	t.Setenv("PG_BIN", "")
	begin := time.Now()
	srv := pgtest.New(t, pgtest.Options{})
	if got := queryInt(t, srv.DSN(), "SELECT 1"); got != 1 {
		t.Fatal("no answer")
	}
	t.Logf("private server started in %v (total %v)", srv.StartupTime(), time.Since(begin))
}

func TestExternalServerHasNoRestartHelpers(t *testing.T) {
	shared := pgtest.Shared(t)
	t.Setenv(pgtest.EnvDSN, shared.DSN())
	srv := pgtest.New(t, pgtest.Options{})
	if srv.Kind() != "external" {
		t.Fatalf("kind = %s, want external", srv.Kind())
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Stop":  srv.Stop(ctx, pgtest.ShutdownFast),
		"Start": srv.Start(ctx),
		"Kill":  srv.Kill(),
	} {
		if !errors.Is(err, pgtest.ErrUnsupported) {
			t.Errorf("%s on an external server: %v, want ErrUnsupported", name, err)
		}
	}
	if got := queryInt(t, srv.NewDatabase(t), "SELECT 3"); got != 3 {
		t.Fatal("no answer from a database of the external server")
	}
}

// A PG_BIN naming a missing directory fails the start and names the
// directory; pgtest does not go on to Docker.
func TestStartWithMissingPGBinFails(t *testing.T) {
	t.Setenv(pgtest.EnvDSN, "")
	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv(pgtest.EnvPGBin, missing)
	srv, err := pgtest.Start(context.Background(), pgtest.Options{})
	if err == nil {
		srv.Close()
		t.Fatal("Start succeeded with PG_BIN naming a missing directory")
	}
	if !errors.Is(err, pgtest.ErrBadPGBin) || errors.Is(err, pgtest.ErrNoServer) || strings.Contains(err.Error(), "ocker") {
		t.Fatalf("Start: %v, want ErrBadPGBin alone", err)
	}
}

func BenchmarkStart(b *testing.B) {
	pgtest.Shared(b) // the template exists, as in every run after the first
	for b.Loop() {
		srv, err := pgtest.Start(context.Background(), pgtest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
