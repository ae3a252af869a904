package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// New starts a private server for tb (for tests that stop, restart or crash
// it) and closes it at cleanup. With no server to be had it fails tb; only
// MOMOKO_TEST_SKIP_DB=1 skips.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if skipDB() {
		tb.Skip(EnvSkipDB + "=1: database test skipped")
	}
	if opts.Logf == nil {
		opts.Logf = tb.Logf
	}
	srv, err := Start(context.Background(), opts)
	if err != nil {
		failStart(tb, err)
	}
	tb.Cleanup(func() {
		forgetLog(srv.Server)
		if err := srv.Close(); err != nil {
			tb.Errorf("pgtest: close: %v", err)
		}
	})
	logOnFailure(tb, srv.Server)
	return srv
}

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns the server shared by every test of the test binary,
// starting it on first use. Main closes it. With no server to be had it
// fails tb; only MOMOKO_TEST_SKIP_DB=1 skips.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	if skipDB() {
		tb.Skip(EnvSkipDB + "=1: database test skipped")
	}
	shared.once.Do(func() {
		shared.srv, shared.err = Start(context.Background(), Options{})
	})
	if shared.err != nil {
		failStart(tb, shared.err)
	}
	logOnFailure(tb, shared.srv.Server)
	return shared.srv
}

// failStart fails tb with err, saying how to skip when there was no
// server to be had.
func failStart(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNoServer) {
		tb.Fatalf("%v\nset %s=1 to skip database tests", err, EnvSkipDB)
	}
	tb.Fatal(err)
}

// NewDatabase creates a fresh database for tb, dropped at cleanup, and
// returns its DSN.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name, err := s.CreateDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.DropDatabase(context.Background(), name); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.DatabaseDSN(name)
}

// NewStandby is StartStandby for tests: it fails tb on error and closes the
// standby at cleanup.
func (s *Server) NewStandby(tb testing.TB) *Server {
	tb.Helper()
	standby, err := s.StartStandby(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		forgetLog(standby.Server)
		if err := standby.Close(); err != nil {
			tb.Errorf("pgtest: close standby: %v", err)
		}
	})
	logOnFailure(tb, standby.Server)
	return standby
}

// Main is a TestMain: it runs the tests, closes the shared server, then
// fails the run if goroutines leaked.
func Main(m *testing.M, opts ...goleak.Option) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: close shared server:", err)
		}
	}
	if code == 0 {
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
