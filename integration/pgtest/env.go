package pgtest

import "os"

// Environment variables read by pgtest.
const (
	EnvDSN    = "MOMOKO_TEST_DSN"     // an external server to use instead of starting one
	EnvSkipDB = "MOMOKO_TEST_SKIP_DB" // "1" skips database tests; nothing else does
)

func envDSN() string { return os.Getenv(EnvDSN) }

func skipDB() bool { return os.Getenv(EnvSkipDB) == "1" }
