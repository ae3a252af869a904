package driver_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// unreachableDSN names a server nobody dials in these tests: the hooks
// fail or panic before any dial.
const unreachableDSN = "postgres://app@127.0.0.1:1/app?connect_timeout=1&application_name=configured"

func connectorWithHook(t *testing.T, dsn string, hook func(context.Context, *pgx.ConnConfig) error) *driver.Connector {
	t.Helper()
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BeforeConnect = hook
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A failing hook fails the dial with an error wrapping ErrBeforeConnect
// and the hook's error, and counts as a failed dial: confirmed once at
// once, then the gate fails calls fast without calling the hook.
func TestBeforeConnectFailureFailsTheDialAndTripsTheGate(t *testing.T) {
	errTokenService := errors.New("token service unavailable")
	var calls atomic.Int32
	c := connectorWithHook(t, unreachableDSN+"&reconnect_interval=1h", func(context.Context, *pgx.ConnConfig) error {
		calls.Add(1)
		return errTokenService
	})
	ctx := context.Background()
	_, err := c.Connect(ctx)
	if !errors.Is(err, driver.ErrBeforeConnect) || !errors.Is(err, errTokenService) || errors.Is(err, driver.ErrDatabaseNotAvailable) {
		t.Fatalf("first Connect: %v, want the hook's error wrapped in ErrBeforeConnect", err)
	}
	if got := driver.Classify(err); got != driver.ClassSafeToRetry {
		t.Errorf("Classify(%v) = %v, want safe to retry", err, got)
	}
	if st := c.Stats(); !st.Down || st.Dials != 2 || st.DialFailures != 2 || st.Redials != 1 || calls.Load() != 2 {
		t.Fatalf("after the failed dial: %+v, hook called %d times; want down after a dial and its confirmation", st, calls.Load())
	}
	_, err = c.Connect(ctx)
	if !errors.Is(err, driver.ErrDatabaseNotAvailable) || !errors.Is(err, driver.ErrBeforeConnect) || !errors.Is(err, errTokenService) {
		t.Fatalf("second Connect: %v, want a fast failure naming the hook's error", err)
	}
	if st := c.Stats(); st.FastFailures != 1 || st.Dials != 2 || calls.Load() != 2 {
		t.Errorf("after the fast failure: %+v, hook called %d times", st, calls.Load())
	}
}

// Each dial's hook gets a copy of its own: what one call changes, maps
// included, reaches neither the next dial nor the caller's Config.
func TestBeforeConnectGetsACopyPerDial(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	cfg, err := driver.ParseConfig(unreachableDSN + "&reconnect_interval=0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		mu.Lock()
		seen = append(seen, cc.Password+"/"+cc.RuntimeParams["application_name"])
		mu.Unlock()
		cc.Password = "token"
		cc.RuntimeParams["application_name"] = "changed"
		return errors.New("no dial wanted")
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		if _, err := c.Connect(context.Background()); !errors.Is(err, driver.ErrBeforeConnect) {
			t.Fatalf("Connect: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 {
		t.Fatalf("hook called %d times, want at least 2", len(seen))
	}
	for i, s := range seen {
		if s != "/configured" {
			t.Errorf("call %d saw %q, want the configured values %q", i, s, "/configured")
		}
	}
	if cfg.ConnConfig.Password != "" || cfg.ConnConfig.RuntimeParams["application_name"] != "configured" {
		t.Errorf("the caller's Config changed: password set %v, application_name %q",
			cfg.ConnConfig.Password != "", cfg.ConnConfig.RuntimeParams["application_name"])
	}
}

// A panicking hook fails its dial instead of the program.
func TestBeforeConnectPanicIsAnError(t *testing.T) {
	c := connectorWithHook(t, unreachableDSN, func(context.Context, *pgx.ConnConfig) error { panic("no credentials") })
	_, err := c.Connect(context.Background())
	if !errors.Is(err, driver.ErrBeforeConnect) || !strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("Connect: %v, want ErrBeforeConnect naming the panic", err)
	}
}
