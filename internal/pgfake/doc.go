// Package pgfake is a fake PostgreSQL server for tests that need no real
// one: it speaks the wire protocol (startup, the extended protocol with
// named and unnamed statements, the simple protocol, CancelRequest) over
// net.Pipe, and answers each SQL text as the test describes it
// (Server.Lookup). Tests make faults with it that a real server makes
// rarely or never on cue: a connection cut between two results, an error
// in the middle of a pipeline, a statement dropped from the server's
// cache (26000), a stale plan at Bind (0A000), a statement that waits
// until it is cancelled.
//
//	srv := &pgfake.Server{Lookup: func(sql string) (pgfake.Statement, error) { ... }}
//	cfg.ConnConfig.DialFunc = srv.Dial
//
// It models no data and no transaction semantics beyond the status that
// ReadyForQuery reports.
package pgfake
