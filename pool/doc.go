// Package pool is Momoko's connection pool for Go: a pool on database/sql
// whose every call returns a future.
//
//	p, err := pool.Open(ctx, "postgres://app@db/app?setsession=SET%20TIME%20ZONE%20'UTC'",
//		pool.Options{Size: 2, MaxSize: 10, AutoShrink: true})
//	if err != nil { ... }
//	defer p.Close()
//
//	// Three queries in parallel, each on its own connection.
//	a, b, c := p.Execute(ctx, "SELECT 1"), p.Execute(ctx, "SELECT 2"), p.Execute(ctx, "SELECT 3")
//	cursors, err := future.All(ctx, a, b, c)
//
// # Sizing
//
// Connect opens Options.Size connections and the pool keeps at least that
// many open, re-opening lost ones every ReconnectInterval. Under concurrent
// demand it stretches up to MaxSize; callers beyond that wait in FIFO
// order, each bounded by its context and by AcquireTimeout. With
// AutoShrink, connections idle for longer than ShrinkDelay are closed every
// ShrinkPeriod, never going below Size.
//
// # Failures
//
// While the server is down, calls fail fast with an error wrapping
// driver.ErrDatabaseNotAvailable instead of waiting for their deadline;
// once it is back, calls succeed again within ReconnectInterval, with no
// action from the caller. A statement is retried transparently only when it
// provably never reached the server; anything else is returned, and
// driver.Classify says whether it is safe to retry.
//
// Transaction rolls back on failure and no connection goes back to the
// pool inside a transaction, so one failed transaction cannot poison the
// next caller's connection.
//
// # Results
//
// Execute, CallProc and Transaction resolve to buffered Cursors: every row
// was read before the connection went back to the pool. FetchOne scans
// with database/sql's rules, so sql.Scanner types (hstore.Hstore,
// jsonb.JSON) work.
//
// # One statement, parameters apart
//
// Statements run with the extended protocol: one statement each, with
// parameters sent apart from the SQL, never quoted into it. Utility
// statements such as FETCH take no parameters there: write a count into the
// SQL yourself ("FETCH " + strconv.Itoa(n) + " FROM c"). Several statements
// in one string need the simple protocol: with the momoko driver, pass
// pgx.QueryExecModeSimpleProtocol as the only argument.
//
// # Connections of one's own
//
// GetConn takes a connection out of the pool (pinging it first) for work
// that must stay on one connection, such as a server-side cursor; PutConn
// gives it back, and Manage does both around a function, rolling back a
// transaction it left open and surviving its panic.
//
// # Testing
//
// FromDB wraps any *sql.DB, so code that uses a Pool can be unit-tested
// with github.com/DATA-DOG/go-sqlmock; see the example.
//
// # Differences from Momoko
//
// Close resolves every waiting call with ErrPoolClosed and nothing
// reconnects after it; setsession failures reach the caller; a waiter is
// failed only when no connection can serve it; hstore and JSON
// registration belong to one pool, not to the process; durations are
// time.Duration.
package pool
