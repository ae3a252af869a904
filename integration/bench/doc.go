// Package bench measures what the pool costs and what it is worth, against
// the two things a Go user would otherwise pick: database/sql with the pgx
// stdlib driver, and pgxpool.
//
// # Running it
//
// One command starts a throwaway PostgreSQL server (see integration/pgserver),
// runs every workload through every client and prints a Markdown table:
//
//	go run ./integration/bench/cmd/momoko-bench [-json report.json]
//
// The standard benchmarks measure one client and one workload at a time and
// are the ones to profile:
//
//	go test -run '^$' -bench 'W1Pool' -cpuprofile cpu.out ./integration/bench
//
// Plain go test runs only a smoke run of the harness, a few milliseconds per
// workload, which checks every client's answers.
//
// # Clients
//
//   - pool: pool.Pool futures, Execute then Await (this module).
//   - pool-nopipe: the same with MaxPipeline 1: one statement in flight
//     per connection.
//   - pool+tracer: the pool with a pgx tracer that does nothing, for what
//     tracing costs in itself.
//   - pool-stream: the pool with W3's result streamed (Pool.Stream) instead
//     of buffered; its other workloads are the pool's.
//   - sql+pgx: database/sql over the pgx stdlib driver, the baseline.
//   - pgxpool: github.com/jackc/pgx/v5/pgxpool.
//   - pgxpool+batch: pgxpool with W4 sent as one pgx.Batch (BEGIN, the
//     INSERTs, COMMIT: one round trip), the best a pgx user can write it;
//     its other workloads are pgxpool's.
//   - sql+momoko: database/sql over this module's driver, which shows what
//     the driver adds and what the pool adds on top of it.
//
// Each client holds at most 8 connections.
//
// # Workloads
//
//   - W1: SELECT 1, with 1, 16 and 64 concurrent callers.
//   - W2: the tutorial request, SELECT 1, 2 and 3 in parallel, 16 requests
//     in flight.
//   - W3: a 1000-row, two-column result read in full into typed values,
//     8 callers.
//   - W4: a transaction of 5 INSERTs, 8 callers.
//
// After the workloads, a million-row result is read once by each of pgx's
// own Rows, the pool's stream and the pool's buffered Cursor (-big rounds):
// time, CPU and how far the heap grew over what it held before.
//
// Every operation checks its answer, so a client that returns wrong results
// fails the run instead of looking fast.
//
// # Method
//
// Machine noise (other processes, the server, which shares the machine)
// changes over minutes, so the clients are measured interleaved: every round
// runs each workload through each client for a fixed time, in an order that
// rotates from round to round, and the report gives medians over rounds.
// Ratios are taken within a round, between measurements seconds apart, and
// then their median is reported.
//
// Client CPU is the process's user plus system time (getrusage) over the
// measurement, divided by operations; the server's CPU is not in it, but it
// competes for the same cores. Allocations are runtime.MemStats.Mallocs over
// the measurement, divided by operations, so they include the background
// work of the client under test.
//
// Future overhead compares future.Go plus Await against the bare goroutine
// and channel it replaces, interleaved the same way.
package bench
