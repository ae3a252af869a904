// Package engine is one PostgreSQL connection's protocol engine, used by
// one goroutine, which owns the connection: nothing in it is locked, and
// nothing else touches the connection while the engine lives.
//
// # Work
//
// A Batch is one unit of work: a statement, a transaction (BEGIN, its
// statements and COMMIT, written back to back) or a ping. The engine fills
// in its outcome: a Result per statement, the first error, the WAL
// position read behind it, when it was written and read. What pgx runs
// itself goes through RunDirect (the simple protocol, exec modes) and
// RunRaw (a function given the connection), alone on it.
//
// # The pipeline
//
// PrepareFor prepares what a batch lacks (the statement cache holds 512 per
// connection) and reports when it may be written; Write encodes it (an
// argument that cannot be sent fails it alone, before anything is
// written), each batch followed by its own Sync so that it keeps its own
// implicit transaction; Flush sends what was written in one write;
// ReadNext reads results in order until a batch is complete. Many batches
// may be in flight at once. The caller writes only while no result waits
// unread (ResultsBuffered), so that whatever ReadNext waits for was sent.
//
// # Faults
//
// A statement refused before it ran because its prepared form went stale
// (26000, 0A000) runs again unprepared where its caller cannot tell. A
// connection that breaks gives a *BrokenError; NeverSent tells the batches
// that never left the client (they may run elsewhere) from those that may
// have run, and Lose ends what was in flight. PeerGone looks, without
// reading, whether the server closed an idle connection.
//
// The package imports pgx's pgconn, pgproto3 and pgtype, and never the
// pool or the driver: what the pool knows that the engine needs comes in
// through Config.
package engine
