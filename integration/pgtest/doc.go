// Package pgtest starts a throwaway PostgreSQL server for tests, benchmarks
// and the tutorial app.
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
// If none of these works, Start returns ErrNoServer, and the testing helpers
// fail the test with a message saying how to get a server. Setting
// MOMOKO_TEST_SKIP_DB=1 is the only way to skip database tests.
//
// # Local servers
//
// A local server lives in a unique temporary directory (data directory,
// unix socket and log), listens on a free port of 127.0.0.1 and is tuned for
// tests: fsync and full_page_writes are off (synchronous_commit stays on, so a
// crash made by Kill loses no acknowledged commit). The hstore
// extension is created in template1 and in the default database, so every
// database made by NewDatabase has it. initdb runs once per set of binaries;
// later servers copy that cluster, which keeps Start well under a second.
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
// a private server.
//
// # Standbys and PgBouncer
//
// StartStandby (NewStandby in tests) makes a streaming standby of a local
// server with pg_basebackup, and Promote promotes it, for failover tests.
// StartPgBouncer (NewPgBouncer) runs Debian's pgbouncer in front of a
// server; without it those tests fail and say how to install it, unless
// MOMOKO_TEST_SKIP_PGBOUNCER=1.
package pgtest
