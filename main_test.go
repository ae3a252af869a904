package momoko_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/momoko-go/momoko/integration/pgtest"
)

// dsn is the examples' database, as an application would read it from its
// configuration. TestMain points it at a throwaway server.
var dsn string

// serverStartTimeout bounds how long TestMain waits for the examples'
// server.
const serverStartTimeout = time.Minute

// TestMain starts the PostgreSQL server the examples talk to. Examples
// cannot be skipped one by one, so without a server the run fails, unless
// MOMOKO_TEST_SKIP_DB=1 says to skip the database, and with it everything
// here.
func TestMain(m *testing.M) {
	if os.Getenv(pgtest.EnvSkipDB) == "1" {
		fmt.Println("momoko: examples skipped: they need PostgreSQL and " + pgtest.EnvSkipDB + "=1")
		os.Exit(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), serverStartTimeout)
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "momoko: examples:", err)
		os.Exit(1)
	}
	dsn = srv.DSN()
	code := m.Run()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "momoko: closing the examples' server:", err)
		code = 1
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "momoko: examples leaked goroutines:", err)
		code = 1
	}
	os.Exit(code)
}
