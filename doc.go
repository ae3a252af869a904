// Package momoko is Momoko's PostgreSQL pool for Go: every call returns a
// future, queries run in parallel, the pool stretches under load, shrinks
// when idle, survives server restarts and fails fast while the server is
// down. It is built on database/sql and pgx; this package holds only the
// documentation and runnable examples, the code lives in its sub-packages.
//
// # Packages
//
//   - [github.com/momoko-go/momoko/pool]: Momoko's Pool and Connection:
//     Execute, CallProc, Transaction, Mogrify, GetConn and Manage, all
//     returning futures, plus Stats, and Listen for notifications. Start
//     here.
//   - [github.com/momoko-go/momoko/future]: the generic Future type, All,
//     AllSettled, First and Then, and helpers that turn existing database/sql
//     code into futures.
//   - [github.com/momoko-go/momoko/driver]: the "momoko" database/sql driver,
//     for sql.Open("momoko", dsn): setsession, ping on reuse, fail-fast
//     reconnects and safe retries for any database/sql code.
//   - [github.com/momoko-go/momoko/hstore] and [github.com/momoko-go/momoko/jsonb]:
//     hstore, json and jsonb values that scan and bind through any
//     database/sql code and the pool's cursors.
//
// # Getting started
//
//	p, err := pool.Open(ctx, "postgres://app@db/app", pool.Options{Size: 2, MaxSize: 10})
//	if err != nil { ... }
//	defer p.Close()
//	cur, err := p.Execute(ctx, "SELECT name FROM users WHERE id = $1", id).Await(ctx)
//
// The examples below follow Momoko's tutorial step by step; the directory
// examples/tutorial holds the same steps as a small web application.
//
// # From Momoko
//
// A Tornado handler yielded a future; Go code calls Await on it, or
// future.All on several to run them in parallel. Cursors are buffered:
// every row was read before the connection went back to the pool, so
// FetchOne, FetchMany and FetchAll never touch the network.
package momoko
