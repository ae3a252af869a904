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
// order, each bounded by its context and by AcquireTimeout. MaxWaiting
// bounds the line: with that many callers in it, the next call that would
// wait fails at once with ErrTooManyWaiting, so that an overload is shed
// in microseconds instead of making every caller wait longer
// (Stats.Queue.Refused counts them). With AutoShrink, connections idle
// for longer than ShrinkDelay are closed every ShrinkPeriod, never going
// below Size.
//
// # Lifetime and health checks
//
// A connection older than MaxLifetime plus its share of MaxLifetimeJitter
// takes no new work and is closed when its last request is done (a Conn
// when it is put back), then replaced at once if the pool is below Size.
// Every HealthCheckPeriod, idle connections are pinged in the background,
// a few at a time; one that fails is closed and replaced before a caller
// meets it. Reset replaces every connection the same way as a lifetime
// ends, all at once, after a credential was rotated (with
// driver.Config.BeforeConnect giving new connections the new one) or a
// failover: idle ones now, busy ones when their work is done, a Conn's
// when it is put back, one being dialed once it has served its caller.
// Stats.Closes counts closes by cause.
//
// # How a statement travels
//
// Execute makes a request (the SQL, its arguments, the caller's context and
// the future to resolve) and hands it to the dispatcher, which picks the
// connection it travels on:
//
//   - a connection already busy with statements known to be fast (each
//     statement's service time is remembered; fast is under 250µs),
//     when the request is fast too and that pipeline holds fewer than eight;
//   - else an idle connection, the one used last;
//   - else a new connection, below MaxSize;
//   - else, at MaxSize, the least loaded fast pipeline below MaxPipeline;
//   - else it waits in FIFO order, failing with ErrAcquireTimeout after
//     AcquireTimeout, or at once with ErrTooManyWaiting when MaxWaiting
//     callers wait already.
//
// Each connection is owned by one goroutine while it lives. The owner
// writes its requests in order through pgx's protocol frontend: a statement
// seen before on that connection is bound to its prepared statement and
// followed by its own Sync, so it keeps its own implicit transaction and
// another caller's error never reaches it; a new one is prepared first, in
// the same pipeline. In a Transaction, statements after one that may
// change the schema (DDL, SET, CALL, DO) go unprepared, so that they see
// the change. The owner writes whatever queued while it read in one
// write, and reads the results in order, keeping each result's rows as the
// server sent them in one buffer. It resolves the future with a Cursor that
// decodes on FetchOne with pgx's types. A connection's last request puts
// it back in the idle list before its future resolves.
//
// Slow and unknown statements never wait behind others, so slow queries
// issued together still run in parallel, each on its own connection, as
// with Momoko; fast ones share round trips, which makes concurrent futures
// faster than one query per connection at a time. A fast statement can
// still wait (for a lock): a pipeline that has finished nothing for 2ms
// plus four times its connection's usual wait for a result takes no new
// work, and requests given to it but not yet written move to another
// connection (Stats.MovedFromLate); only those written behind it already
// wait with it. A Transaction's statements are written back to back, BEGIN
// to COMMIT, one round trip.
// Statements that change the transaction state (BEGIN, COMMIT, SAVEPOINT)
// run alone on their connection. The simple protocol and pgx's exec and
// describe modes (PgBouncer in transaction mode) run one statement at a
// time through pgx itself.
//
// With Options.ReadGroups (off by default), lone fast reads written to one
// connection together share one Sync, in one read-only implicit
// transaction; Options.ReadGroups says what that changes.
//
// # Failures
//
// While the server is down, calls fail fast with an error wrapping
// driver.ErrDatabaseNotAvailable instead of waiting for their deadline;
// once it is back, calls succeed again within ReconnectInterval, with no
// action from the caller. The owner knows what it wrote: when a connection
// breaks, requests not yet written go to another connection, and those
// written fail with driver.ErrConnectionLost, since they may have run.
// A connection that died while idle (a server or PgBouncer restart, a
// proxy or NAT that dropped it) costs no call: before writing to a
// connection with nothing in flight, the owner looks at its socket, and a
// connection the server or a proxy closed gets nothing; a write the
// kernel refuses whole counts as never written. Such requests walk past
// every dead idle connection to a new one while the server can be reached.
// Over TLS the look sees a connection closed, but not the server's
// goodbye before it (encrypted): a session the server ended while idle is
// found by the ping of PingAfterIdle, or else reported lost.
// driver.Classify says what a caller may do with any error.
//
// A statement that cannot be sent (65,536 arguments or more, a NUL byte
// in its SQL, a message over 1 GiB) fails alone with ErrCannotSend before
// anything of it is written; one whose result takes more than a Cursor
// buffers (2 GiB) fails with ErrResultTooLarge once its rows are read and
// dropped. Either way the connection, a Conn's open transaction and the
// statements pipelined around it go on.
//
// A prepared statement is forgotten after any error of its own, and
// prepared again when its arguments no longer encode for it (a column
// became bigint), so a schema change fails a cached statement at most
// once. When the server refuses it before running any of it, because
// DEALLOCATE ALL or DISCARD ALL dropped it (26000) or its result changed
// shape (0A000, cached plan must not change result type), it runs again at
// once, unprepared, and the caller sees nothing: a statement run on the
// pool (unless ReadYourWrites reads its WAL position), or on a Conn with
// no transaction open and nothing pipelined behind it; not a statement of
// a Transaction. DEALLOCATE ALL and DISCARD ALL run through Execute empty
// the connection's statement cache as they complete.
//
// A failed Transaction is rolled back and no connection goes back to the
// pool inside a transaction, so one failed transaction cannot poison the
// next caller's connection.
//
// # Read replicas
//
// Options.Replicas gives the pool streaming standbys, each a pool of its
// own (connections, floor, fail-fast gate) with read-only sessions.
// Reads sent through Pool.Replica go to the least busy standby that is up
// and within MaxReplicaLag, measured in the background every CheckPeriod;
// a read that fails because its standby broke runs again elsewhere; with
// no standby left, reads run on the primary (FallbackToPrimary) or fail
// at once with ErrNoReplica. Reads are read only wherever they run: on the
// primary (a pool without standbys, or a fallback) each runs in a READ
// ONLY transaction of its own, so a write through Replica fails with
// SQLSTATE 25006 there as on a standby. ReadYourWrites makes one caller's reads see
// its own writes: they go to a standby that has replayed the caller's
// last commit, or wait ReplayWait for one, or run on the primary.
//
// # Cancellation
//
// A future resolves with its context's error as soon as the context ends.
// A statement not yet written is dropped; one written is left to finish and
// its result discarded, and the server gets a CancelRequest only when that
// statement is alone in flight on its connection, so that a cancel never
// lands on a neighbour's statement. A connection that finishes nothing for
// a second after one of its statements was cancelled (a network partition)
// is closed and never handed out again.
//
// A nil context is context.Background(), for every function and method
// that takes one, here and in packages driver and future: nothing bounds
// the call, and the call does everything it does with a context (Raw
// still ends its function's LISTEN, for one).
//
// # Results
//
// Execute, CallProc and Transaction resolve to buffered Cursors. FetchOne
// scans with pgx's type map, so whatever pgx scans into works, sql.Scanner
// types (hstore.Hstore, jsonb.JSON) included: they get the text form.
//
// Cursor.Rows reads a Cursor as pgx.Rows, so pgx's row functions map
// columns to struct fields by name; Collect and CollectOne do it in one
// call:
//
//	users, err := pool.Collect(ctx, p, pgx.RowToStructByName[User], "SELECT id, name FROM users").Await(ctx)
//
// Cursor.SQLRows has the methods of *sql.Rows that sqlx.StructScan and
// other database/sql row mappers call.
//
// Stream resolves once a result starts and reads its rows as they arrive,
// in constant memory, holding its connection until they are closed; its
// Rows are pgx.Rows, and Each ranges over them as values:
//
//	for u, err := range pool.Each(ctx, p, pgx.RowToStructByName[User], "SELECT id, name FROM users") { ... }
//
// CopyFrom and CopyTo run COPY as futures.
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
// GetConn (a future) and Acquire take a connection out of the pool
// (pinging it first) for work that must stay on one connection, such as a
// server-side cursor; its statements run in the order they were submitted,
// pipelined when submitted without waiting. PutConn gives it back, and
// Manage does both around a function, rolling back a transaction it left
// open and surviving its panic.
//
// # Existing database/sql and pgx code
//
// BeginFunc runs a function in a transaction with a *sql.Tx (sqlc's
// generated queries take one), committing when it returns nil, rolling
// back otherwise, and with WithRetries running it again after a
// serialization failure or deadlock. WithConn lends a *sql.Conn and Raw a
// *pgx.Conn. Each takes its connection in the pool's FIFO order and holds
// it only for the call. DB is the pool's *sql.DB: its callers share
// MaxSize but not the queue.
//
// A connection goes back to the pool without its borrower's LISTEN; other
// session state (SET, temporary tables, advisory locks) is kept unless
// Options.AfterRelease resets it.
//
// # Listening for notifications
//
// Listen opens a Listener on a connection of its own, dialed through the
// pool's driver but not one of the pool's connections (it counts against
// neither Size nor MaxSize). It delivers notifications through an
// iterator (Notifications) or Next, from a buffer of ListenOptions.Buffer:
// what arrives while it is full is dropped and counted in a *GapError
// queued behind what was kept, so reading never holds up the connection.
// When the connection breaks, the listener dials again (at once, then
// after ReconnectInterval, doubling up to 5s or ReconnectInterval if
// longer, less up to half at random), listens again on every
// channel, and then yields a *GapError: every notification sent after the
// reader got it is delivered, exactly once and in order. Both kinds of gap
// match ErrNotificationsMissed. After HealthCheckPeriod of silence it
// pings, to find a connection dropped without a word. Listener.Listen and
// Unlisten change its channels while it runs.
//
// # Session state
//
// Statements through the pool (Execute, Transaction, CallProc, Replica)
// share connections, and so their sessions: what a statement leaves on
// its session stays for the connection's next callers. SET (but SET LOCAL,
// SET TRANSACTION and SET CONSTRAINTS), RESET (RESET ALL drops
// SetSession's settings too), DISCARD, and the session-level advisory
// locks (pg_advisory_lock, pg_try_advisory_lock and their _shared forms)
// run all the same; the pool tells them by their text, counts them in
// Stats.SessionChanges, and warns through Options.Logger the first time
// each statement runs (for the first 1024 statements). Session state
// belongs on a Conn of one's own, or in a Transaction as SET LOCAL and
// pg_advisory_xact_lock, which end with it; SetSession sets what every
// connection needs.
//
// # Configuration
//
// New and Open take a DSN; NewWithConfig and OpenWithConfig a
// driver.Config, for what a DSN cannot carry (a pgx tracer, a dialer, a
// BeforeConnect hook that gives each new connection a current password,
// such as a cloud IAM token).
// Options.OpenDB opens the pool's *sql.DB through database/sql middleware
// such as otelsql, keeping every feature of the pool.
//
// # Logging
//
// Options.Logger receives the pool's and the driver's events. An event
// that happens to a caller carries that caller's context, so that a
// handler finds its trace: a connection not put back (the context of
// GetConn or Acquire), the database found down or back (the context of
// the call whose dial found it). Background events (reconnects, shrinks,
// closes) carry none. Attribute keys are stable: error, held and stack
// (leaks), reconnect_interval, down_for and fast_failures (the database
// down and back), missing and connections (reconnects), connections (a
// Reset: how many it replaces), closed (shrinks), cause, age and pid (a
// connection closed, at debug level; cause is one of lifetime, health
// check, shrink, broken, reset), statement (a session changed through the
// pool, with the caller's context), error and down_for (a Listener's
// connection lost and made again).
//
// # Testing
//
// FromDB wraps any *sql.DB, so code that uses a Pool can be unit-tested
// with github.com/DATA-DOG/go-sqlmock; see the examples. Execute runs
// statements with QueryContext (ExpectQuery), but those that cannot
// return rows by their first keyword (INSERT, UPDATE, DELETE or MERGE
// without RETURNING, DDL, SET) with ExecContext (ExpectExec), the
// cursor's RowsAffected being the driver's count; a RETURNING, a WITH
// query or any doubt keeps QueryContext. Transaction and BeginFunc go
// through database/sql's transactions (ExpectBegin, ExpectCommit,
// ExpectRollback); futures started together reach the mock in any order,
// so match them with MatchExpectationsInOrder(false).
//
// # Differences from Momoko
//
// Close resolves every waiting call with ErrPoolClosed and nothing
// reconnects after it; setsession failures reach the caller; a waiter is
// failed only when no connection can serve it; hstore and JSON
// registration belong to one pool, not to the process; durations are
// time.Duration; concurrent futures pipeline on busy connections instead of
// waiting for a connection of their own; a Cursor keeps rows as received.
//
// The pool and database/sql share MaxSize: callers of DB() that wait for a
// connection get one of the pool's idle ones within ten milliseconds,
// without the statements the pool prepared on it: the pool closes them
// first (one round trip), and prepares again whatever it runs on that
// connection once it has it back.
package pool
