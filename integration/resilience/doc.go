// Package resilience holds the measured resilience tests of the pool: what
// happens to calls, to data and to the pool itself when the server
// restarts, goes away, crashes, fails over, when the network is cut or
// partitioned, and when PgBouncer sits in between. The package has no API;
// its tests are the point.
//
// # What the tests prove
//
//   - Restart and crash under load: 32 callers insert and select through one
//     pool while the server is restarted (fast shutdown) or its postmaster
//     is killed, twice each. Every future resolves; every acknowledged INSERT
//     is in the table exactly once; no INSERT is there twice; an INSERT that
//     failed with a safe-to-retry error is not there at all; full service
//     returns within ReconnectInterval + 1s of the server accepting
//     connections; no goroutine is left behind.
//   - Outage: while the server is down calls fail fast with
//     driver.ErrDatabaseNotAvailable, and the pool dials at most once per
//     ReconnectInterval (counted by a faultproxy in front of the server).
//   - A blip while the server is up (every connection cut, a dial in
//     mid-handshake included) fails no GetConn, the one whose dial was cut
//     included: the reconnect gate confirms a failed dial before failing
//     anyone. A statement given an ended context leaves a pool.Conn's
//     session as it was.
//   - Network cut and partition: calls with deadlines return by them;
//     connections caught in a partition are closed, never handed out again;
//     the pool recovers when the network heals.
//   - Failover: with a DSN naming a primary and its streaming standby and
//     target_session_attrs=read-write, the pool follows the promoted
//     standby, and writes acknowledged before the failover are there.
//   - PgBouncer in transaction pooling mode works with
//     default_query_exec_mode=simple_protocol or exec; session state set by
//     setsession leaks between clients there, and the tests show how to
//     detect such a pooler.
//   - 10,000 concurrent futures on a pool of 8 connections all complete.
//
// # Figures
//
// Each test logs its figures and prints one line starting with
// "resilience:" to standard output (go test -v shows it), for example
//
//	resilience: restart ops=41234 failed=318 recovery=[212ms 388ms] ...
//
// # Running
//
//	go test -race -v ./integration/resilience/
//
// The tests start their own PostgreSQL servers through pgtest and need
// pg_basebackup (part of the PostgreSQL server package) and PgBouncer
// (Debian package pgbouncer). Without PgBouncer the PgBouncer tests fail and
// say how to install it; MOMOKO_TEST_SKIP_PGBOUNCER=1 skips them instead.
// MOMOKO_TEST_SKIP_DB=1 skips every test, as everywhere in this module.
package resilience
