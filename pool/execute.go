package pool

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// Execute runs query with args ($1, $2, ... or one pgx.NamedArgs) on a
// pooled connection and resolves to its buffered result. It is written to
// an idle connection, or pipelined behind other callers' fast statements
// on a busy one; either way it keeps its own implicit transaction, so
// another caller's error never touches it. A statement that provably never
// reached the server (its connection broke before it was written) goes to
// another connection.
//
// A statement that cannot be sent (65,536 arguments or more, a NUL byte in
// its SQL) fails with ErrCannotSend before anything of it is written, and
// one whose result is too large to buffer with ErrResultTooLarge; either
// way its connection goes on. Statements are prepared once per
// connection; after a schema change, DEALLOCATE ALL or DISCARD ALL they
// are prepared again, invisibly where nothing of them had run (see the
// package documentation, Failures).
//
// With a pool made by FromDB, Execute runs a statement that may return
// rows through QueryContext, so sqlmock users expect it with ExpectQuery,
// and one that cannot by its first keyword (INSERT, UPDATE, DELETE or
// MERGE without RETURNING, DDL, SET) through ExecContext (ExpectExec),
// the cursor's RowsAffected being the driver's count. LISTEN fails with
// ErrListenOnPool: it belongs on a Conn of one's own.
//
// The connection is shared: what a statement leaves on its session stays
// there for the connection's next callers. SET (not SET LOCAL), RESET
// (RESET ALL drops SetSession's settings too), DISCARD and the
// session-level advisory locks (pg_advisory_lock, pg_try_advisory_lock
// and their _shared forms) still run; they are counted in
// Stats.SessionChanges, and Options.Logger warns the first time each such
// statement runs. Run them on a Conn of your own, or in a Transaction as
// SET LOCAL and pg_advisory_xact_lock, which end with it.
func (p *Pool) Execute(ctx context.Context, query string, args ...any) *future.Future[*Cursor] {
	ctx = nilctx.Or(ctx)
	if sqltext.IsListen(query) {
		return future.Failed[*Cursor](ErrListenOnPool)
	}
	f, complete := future.New[*Cursor]()
	r := p.statement(ctx, query, args, true)
	r.finish = oneCursor(complete)
	p.run(r)
	return f
}

// Ping checks that the server answers on a pooled connection.
func (p *Pool) Ping(ctx context.Context) *future.Future[struct{}] {
	ctx = nilctx.Or(ctx)
	f, complete := future.New[struct{}]()
	r := &request{Batch: engine.Batch{Ctx: ctx, Ping: true, Shared: true}}
	r.finish = func(_ []*Cursor, err error) bool { return complete(struct{}{}, err) }
	p.run(r)
	return f
}

// Mogrify resolves to query with args interpolated as PostgreSQL literals,
// quoted for the server's standard_conforming_strings setting, which it
// reads from a pooled connection. It is a debugging and logging aid: run
// queries with parameters, never with mogrified text.
func (p *Pool) Mogrify(ctx context.Context, query string, args ...any) *future.Future[string] {
	ctx = nilctx.Or(ctx)
	if p.connector == nil {
		// Other drivers are taken to run with PostgreSQL's default.
		s, err := sqltext.Mogrify(query, true, args)
		return settled(s, err)
	}
	f, complete := future.New[string]()
	var scs bool
	r := &request{Batch: engine.Batch{Ctx: ctx, Shared: true, Alone: true}, raw: func(conn *pgx.Conn) error {
		scs = standardStrings(conn)
		return nil
	}}
	r.finish = func(_ []*Cursor, err error) bool {
		if err != nil {
			return complete("", err)
		}
		return complete(sqltext.Mogrify(query, scs, args))
	}
	p.run(r)
	return f
}

func settled[T any](v T, err error) *future.Future[T] {
	if err != nil {
		return future.Failed[T](err)
	}
	return future.Resolved(v)
}

// statement makes the request for one statement.
func (p *Pool) statement(ctx context.Context, query string, args []any, shared bool) *request {
	r := &request{Batch: engine.Batch{Ctx: ctx, Shared: shared}}
	r.stmt[0] = engine.Statement{SQL: query, Args: args}
	r.Stmts, r.curs = r.stmt[:], r.one[:0]
	r.Err = p.prepareStatements(r)
	return r
}

// prepareStatements rewrites named arguments and decides how r travels:
// pipelined, alone on its connection, or run by pgx itself.
func (p *Pool) prepareStatements(r *request) error {
	r.fast = true
	for i := range r.Stmts {
		st := &r.Stmts[i]
		if p.connector != nil {
			if err := p.rewrite(r, st); err != nil {
				return err
			}
		}
		if mustRunAlone(sqltext.FirstWord(st.SQL), r.Shared) {
			r.Alone = true
		}
		if r.fast && !p.speeds.fast(st.SQL) {
			r.fast = false
		}
	}
	if p.connector != nil && !r.direct && (r.Begin != "" || len(r.Stmts) > 1) {
		for i, st := range r.Stmts {
			if sqltext.CopiesWithClient(st.SQL) {
				// What is written behind it would break the copy, and the
				// server the session.
				return fmt.Errorf("statement %d: %w, alone: a COPY with the client cannot be part of a Transaction", i, ErrCopyNeedsRaw)
			}
		}
	}
	if r.direct || r.Alone || r.Begin != "" {
		// A transaction holds its connection until it has ended (a failed
		// one until it is rolled back): nothing may be pipelined behind
		// it, so it is never queued behind others either.
		r.fast = false
	}
	r.Group = p.writers != nil && r.fast && r.Shared && len(r.Stmts) == 1 && mayGroup(r.Stmts[0].SQL)
	return nil
}

// mayGroup reports whether sql may join a read group: by its text, it
// reads, it leaves nothing on its session, and it sets nothing for its
// transaction, which the group's other members share.
func mayGroup(sql string) bool {
	return sqltext.StartsWith(sql, "SELECT", "WITH", "VALUES", "TABLE") && !sqltext.ChangesSession(sql) &&
		!sqltext.CallsSetConfig(sql)
}

// rewrite applies what pgx would do with a statement's first argument.
func (p *Pool) rewrite(r *request, st *engine.Statement) error {
	if !p.pipelines {
		r.direct = true
		return nil
	}
	if len(st.Args) == 0 {
		return nil
	}
	switch a := st.Args[0].(type) {
	case pgx.NamedArgs, pgx.StrictNamedArgs:
		sql, args, err := a.(pgx.QueryRewriter).RewriteQuery(r.Ctx, nil, st.SQL, st.Args[1:])
		if err != nil {
			return err
		}
		st.SQL, st.Args = sql, args
	case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryRewriter:
		r.direct = true
	}
	return nil
}

// run resolves r: a request that cannot run fails at once, the others go
// to the dispatcher once the pool is connected.
func (p *Pool) run(r *request) {
	if !r.ready() {
		return
	}
	if r.Shared {
		p.watchSession(r)
	}
	r.Queued = time.Now()
	r.watch(p.disp)
	if p.connected.Load() {
		p.disp.submit(r)
		return
	}
	go func() {
		if err := p.awaitConnected(r.Ctx); err != nil {
			r.done(err)
			return
		}
		p.disp.submit(r)
	}()
}

// standardStrings reads standard_conforming_strings from the connection's
// startup parameters (no I/O).
func standardStrings(conn *pgx.Conn) bool {
	return conn.PgConn().ParameterStatus("standard_conforming_strings") != "off"
}

// CallProc calls the function or procedure name with args and resolves to
// its result: a function runs as SELECT * FROM name($1, ...), a procedure
// as CALL name($1, ...). name may be schema-qualified ("billing.close");
// each part is quoted as an identifier, so it is matched exactly, case
// included, and cannot inject SQL.
func (p *Pool) CallProc(ctx context.Context, name string, args ...any) *future.Future[*Cursor] {
	return p.callProc(ctx, nil, name, args)
}
