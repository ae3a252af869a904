package pgtest

import (
	"context"
	"errors"
	"os"
	"testing"
)

// NewPgBouncer is StartPgBouncer for tests: it fails tb when PgBouncer is
// missing (skips it when MOMOKO_TEST_SKIP_PGBOUNCER=1) and stops PgBouncer
// at cleanup.
func (s *Server) NewPgBouncer(tb testing.TB, opts PgBouncerOptions) *PgBouncer {
	tb.Helper()
	b, err := s.StartPgBouncer(context.Background(), opts)
	if errors.Is(err, ErrNoPgBouncer) && os.Getenv(EnvSkipPgBouncer) == "1" {
		tb.Skip(EnvSkipPgBouncer + "=1: PgBouncer test skipped")
	}
	if err != nil {
		if errors.Is(err, ErrNoPgBouncer) {
			tb.Fatalf("%v, or set %s=1 to skip the tests that need it", err, EnvSkipPgBouncer)
		}
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("pgtest: pgbouncer log tail:\n%s", b.LogTail(logTailBytes))
		}
		if err := b.Close(); err != nil {
			tb.Errorf("pgtest: stop pgbouncer: %v", err)
		}
	})
	return b
}
