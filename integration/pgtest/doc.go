// Package pgtest gives tests a throwaway PostgreSQL server: package
// pgserver's servers, plus the testing helpers (Shared, New, NewDatabase,
// NewStandby, NewPgBouncer, Main) and a Docker fallback. Programs that only
// want a server from local binaries import pgserver instead, which compiles
// neither testing, goleak nor Docker's client.
//
// # Where the server comes from
//
// In this order:
//
//  1. MOMOKO_TEST_DSN names an external server. Restart helpers (Stop,
//     Start, Restart, Kill) then return ErrUnsupported.
//  2. Local PostgreSQL binaries: the directory in PG_BIN, then the directory
//     of initdb found on PATH, then /usr/lib/postgresql/*/bin, highest
//     version first. When the process runs as root, initdb and the server run
//     as the "postgres" user, because initdb refuses to run as root.
//  3. A Docker container through github.com/ory/dockertest/v3, when a Docker
//     daemon answers a ping.
//
// When PG_BIN is set, no other directory and no Docker is tried: if it does
// not exist, is not a directory, or lacks an executable initdb or postgres,
// the test fails with an error (wrapping ErrBadPGBin) that names it. If
// none of the steps works, Start returns an error wrapping ErrNoServer, and
// the testing helpers fail the test with a message saying how to get a
// server. Setting MOMOKO_TEST_SKIP_DB=1 is the only way to skip database
// tests.
//
// # Use in tests
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		srv := pgtest.Shared(t)      // one server for the test binary
//		dsn := srv.NewDatabase(t)    // a fresh database, dropped at cleanup
//		...
//	}
//
// Tests that stop, restart or crash the server use New(t, Options{}) to get
// a private server. When a test fails, the end of each server log it used
// is printed once.
//
// # Standbys and PgBouncer
//
// StartStandby (NewStandby in tests) makes a streaming standby of a local
// server with pg_basebackup, and Promote promotes it, for failover tests.
// StartPgBouncer (NewPgBouncer) runs Debian's pgbouncer in front of a
// server; without it those tests fail and say how to install it, unless
// MOMOKO_TEST_SKIP_PGBOUNCER=1.
package pgtest
