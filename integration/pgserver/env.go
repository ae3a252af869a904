package pgserver

import "os"

// EnvDSN names an external server to use instead of starting one.
const EnvDSN = "MOMOKO_TEST_DSN"

// EnvPGBin names the directory of the PostgreSQL server binaries to use.
const EnvPGBin = "PG_BIN"

func envDSN() string { return os.Getenv(EnvDSN) }
