package pgtest

import (
	"os"

	"github.com/momoko-go/momoko/integration/pgserver"
)

// Environment variables read by pgtest.
const (
	EnvDSN           = pgserver.EnvDSN              // an external server to use instead of starting one
	EnvPGBin         = pgserver.EnvPGBin            // the directory of the PostgreSQL server binaries
	EnvSkipDB        = "MOMOKO_TEST_SKIP_DB"        // "1" skips database tests; nothing else does
	EnvSkipPgBouncer = "MOMOKO_TEST_SKIP_PGBOUNCER" // "1" skips the tests that need PgBouncer when it is missing
)

func skipDB() bool { return os.Getenv(EnvSkipDB) == "1" }
