// Package pgserver starts a throwaway PostgreSQL server from local binaries,
// for programs such as the tutorial app and the benchmark harness. It
// imports neither testing nor Docker's client; tests use package pgtest,
// which builds on it and adds the testing helpers and a Docker fallback.
//
// # Where the server comes from
//
// Start looks in this order:
//
//  1. MOMOKO_TEST_DSN names an external server. Restart helpers (Stop,
//     Start, Restart, Kill) then return ErrUnsupported.
//  2. Local PostgreSQL binaries: the directory in PG_BIN, then the directory
//     of initdb found on PATH, then /usr/lib/postgresql/*/bin, highest
//     version first. When the process runs as root, initdb and the server run
//     as the "postgres" user, because initdb refuses to run as root.
//
// When PG_BIN is set, no other directory is tried: if it does not exist, is
// not a directory, or lacks an executable initdb or postgres, Start fails
// with an error wrapping ErrBadPGBin that names the directory. When
// neither step gives a server, Start's error wraps ErrNoServer and says how
// to get one.
//
// # Local servers
//
// A local server lives in a unique temporary directory (data directory,
// unix socket and log), listens on a free port of 127.0.0.1 and is tuned for
// tests: fsync and full_page_writes are off (synchronous_commit stays on, so a
// crash made by Kill loses no acknowledged commit). The hstore
// extension is created in template1 and in the default database, so every
// database made by CreateDatabase has it. initdb runs once per set of
// binaries; later servers copy that cluster, which keeps Start well under a
// second.
//
// # Other servers
//
// Attach wraps a server something else runs, such as a container. Standbys
// (StartStandby, Promote) and PgBouncer (StartPgBouncer) run beside a local
// server.
package pgserver
