package pool_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// passwordRole creates a role of srv that logs in with password, dropped
// at cleanup, and returns the DSN of database dsn for it without any
// password, and a function that changes its password on the server.
func passwordRole(t *testing.T, ctx context.Context, srv *pgtest.Server, dsn, password string) (string, func(string)) {
	t.Helper()
	role := databaseName(t, dsn) + "_login"
	setPassword := func(password string) {
		t.Helper()
		if err := srv.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", role, password)); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN", role)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Exec(context.WithoutCancel(ctx), "DROP ROLE "+role) })
	setPassword(password)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String(), setPassword
}

// The role's password changes on the server (a rotated credential, an
// IAM token renewed): with BeforeConnect returning the password of the
// moment, dials with the old one are refused while the connection opened
// with it keeps serving, and once the hook has the new one new
// connections use it. Neither password shows in an error, a log line,
// Stats, the caller's Config or the pool's Options.
func TestBeforeConnectRotatesThePassword(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	dsn := srv.NewDatabase(t)
	first, second := "first-"+databaseName(t, dsn), "second-"+databaseName(t, dsn)
	roleDSN, setPassword := passwordRole(t, ctx, srv, dsn, first)

	var current atomic.Pointer[string]
	current.Store(&first)
	cfg, err := driver.ParseConfig(roleDSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		cc.Password = *current.Load()
		return nil
	}
	var log syncBuffer
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{Size: 1, MaxSize: 3, ReconnectInterval: 50 * time.Millisecond,
		HealthCheckPeriod: -1, MaxLifetime: -1,
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	old := await(t, ctx, p.GetConn(ctx))
	defer p.PutConn(old)
	oldPID := connPID(t, ctx, old)

	setPassword(second)
	var errs []error
	_, err = p.GetConn(ctx).Await(ctx)
	if sqlState(err) != pgerrcode.InvalidPassword {
		t.Fatalf("a new connection with the old password: %v, want SQLSTATE 28P01", err)
	}
	errs = append(errs, err)

	current.Store(&second)
	var fresh *pool.Conn
	waitFor(t, 10*time.Second, "a connection with the new password", func() bool {
		c, err := p.GetConn(ctx).Await(ctx)
		if err != nil {
			errs = append(errs, err)
			return false
		}
		fresh = c
		return true
	})
	defer p.PutConn(fresh)
	if pid := connPID(t, ctx, fresh); pid == oldPID {
		t.Fatalf("the new connection is the old one (%d)", pid)
	}
	if pid := connPID(t, ctx, old); pid != oldPID {
		t.Fatalf("the connection opened with the old password moved: %d, want %d", pid, oldPID)
	}
	if n := execInt(t, ctx, p, "SELECT 7"); n != 7 {
		t.Fatalf("SELECT 7 = %d", n)
	}

	if !strings.Contains(log.String(), "database not available") {
		t.Fatalf("the refused dial was not logged; the log:\n%s", log.String())
	}
	shown := map[string]string{
		"log":          log.String(),
		"Stats":        p.Stats().String(),
		"Stats fields": fmt.Sprintf("%+v", p.Stats()),
		"Options":      fmt.Sprintf("%+v", p.Options()),
		"Config":       fmt.Sprintf("%+v %+v", cfg, *cfg.ConnConfig),
	}
	for i, err := range errs {
		shown[fmt.Sprintf("error %d", i)] = fmt.Sprintf("%v %+v", err, err)
	}
	for what, text := range shown {
		for _, secret := range []string{first, second} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows a password: %s", what, text)
			}
		}
	}
}

// A hook that fails fails the dial with its error wrapped in
// driver.ErrBeforeConnect, confirmed once, after which the gate fails
// calls fast, without calling the hook, as for a server that is down.
func TestBeforeConnectFailureEngagesTheGate(t *testing.T) {
	ctx := testContext(t)
	cfg, err := driver.ParseConfig(pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	errTokenService := errors.New("token service unavailable")
	var calls atomic.Int32
	cfg.BeforeConnect = func(context.Context, *pgx.ConnConfig) error {
		calls.Add(1)
		return errTokenService
	}
	// An hour between repairs: no dial but the test's.
	p, err := pool.NewWithConfig(cfg, pool.Options{Size: 1, ReconnectInterval: time.Hour, HealthCheckPeriod: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	_, err = p.Connect(ctx).Await(ctx)
	if !errors.Is(err, driver.ErrBeforeConnect) || !errors.Is(err, errTokenService) || errors.Is(err, driver.ErrDatabaseNotAvailable) {
		t.Fatalf("Connect: %v, want the hook's error wrapped in driver.ErrBeforeConnect", err)
	}
	if g := p.Stats().Gate; !g.Down || g.Dials != 2 || g.DialFailures != 2 || g.Redials != 1 || calls.Load() != 2 {
		t.Fatalf("gate %+v after the hook was called %d times, want down after a dial and its confirmation", g, calls.Load())
	}
	_, err = p.Execute(ctx, "SELECT 1").Await(ctx)
	if !errors.Is(err, driver.ErrDatabaseNotAvailable) || !errors.Is(err, driver.ErrBeforeConnect) || !errors.Is(err, errTokenService) {
		t.Fatalf("Execute: %v, want a fast failure naming the hook's error", err)
	}
	if g := p.Stats().Gate; g.FastFailures != 1 || g.Dials != 2 || calls.Load() != 2 {
		t.Fatalf("gate %+v after the hook was called %d times, want one fast failure and no dial", g, calls.Load())
	}
}

// The connection that checks the primary for Options.Replicas is dialed
// with BeforeConnect too, so that a primary reached with a token can have
// standbys: the hook runs once more than the pool's own dials, before
// Open returns (it waits for the first check).
func TestBeforeConnectDialsThePrimaryCheck(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	u, err := url.Parse(rs.primaryDSN())
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	cfg, err := driver.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		calls.Add(1)
		cc.Password = password
		return nil
	}
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{Size: 1, HealthCheckPeriod: -1,
		Replicas: pool.ReplicaOptions{Standbys: rs.standbyDSNs(), CheckPeriod: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if s := p.Stats(); calls.Load() != s.Gate.Dials+1 || s.Gate.DialFailures != 0 {
		t.Fatalf("hook called %d times for %d dials of the pool (gate %+v), want one more for the check", calls.Load(), s.Gate.Dials, s.Gate)
	}
}
