package pool

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// ErrBadProcName is wrapped by CallProc's error for a name that is not a
// valid, possibly schema-qualified, identifier.
var ErrBadProcName = sqltext.ErrBadProcName

// procKindQuery tells whether a name visible from the connection is a
// procedure (true) or a function (false), NULL when there is none: $1 is
// the name, $2 its schema or "" to follow search_path. Unlike trying SELECT first, it cannot fail, so
// it cannot abort the transaction it runs in.
const procKindQuery = `SELECT bool_or(p.prokind = 'p')
FROM pg_catalog.pg_proc p
WHERE p.proname = $1 AND CASE WHEN $2 = ''
	THEN pg_catalog.pg_function_is_visible(p.oid)
	ELSE p.pronamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $2) END`

// callProc calls name on the pool, or on c when not nil. The pool learns
// each name's kind once, with a catalog query, and from then on sends the
// call as an ordinary statement.
func (p *Pool) callProc(ctx context.Context, c *Conn, name string, args []any) *future.Future[*Cursor] {
	quoted, err := sqltext.QuoteProcName(name)
	if err != nil {
		return future.Failed[*Cursor](err)
	}
	ctx = nilctx.Or(ctx)
	if _, known := p.procKinds.Load(name); !known && p.connector == nil {
		execute := p.Execute
		if c != nil {
			execute = c.Execute
		}
		return p.callProcByTrying(ctx, execute, name, quoted, args)
	}
	f, complete := future.New[*Cursor]()
	r := p.procRequest(ctx, name, quoted, args, c == nil, false)
	r.finish = oneCursor(complete)
	if c != nil {
		c.submit(r)
	} else {
		p.run(r)
	}
	return f
}

// procRequest makes the request that calls name, quoted: an ordinary
// statement once p knows whether name is a procedure, else the catalog
// query and the call, run on the connection by pgx. readOnly runs it in
// a READ ONLY transaction (a replica read on the primary). Its finish is
// the caller's to set. Without the momoko driver p must know name's kind.
func (p *Pool) procRequest(ctx context.Context, name, quoted string, args []any, shared, readOnly bool) *request {
	if kind, ok := p.procKinds.Load(name); ok {
		st := Statement{SQL: sqltext.CallSQL(quoted, kind.(bool), len(args)), Args: args}
		if readOnly {
			return p.readOnly(ctx, st)
		}
		return p.statement(ctx, st.SQL, st.Args, shared)
	}
	r := &request{Batch: engine.Batch{Ctx: ctx, Shared: shared}}
	call := func(conn *pgx.Conn) error {
		parts := strings.Split(name, ".")
		schema := ""
		if len(parts) > 1 {
			schema = parts[len(parts)-2]
		}
		var kind *bool
		if err := conn.QueryRow(ctx, procKindQuery, parts[len(parts)-1], schema).Scan(&kind); err != nil {
			return err
		}
		procedure := kind != nil && *kind
		if kind != nil {
			p.procKinds.Store(name, procedure) // a name not found yet may be created later
		}
		sql := sqltext.CallSQL(quoted, procedure, len(args))
		cur := newCursor()
		if err := engine.QueryDirect(ctx, conn, &p.decode, sql, args, cur.res); err != nil {
			return err
		}
		r.curs = append(r.one[:0], cur)
		if shared && sqltext.ChangesSession(sql) {
			p.sessionChanged(ctx, sql)
		}
		return nil
	}
	r.raw = call
	if readOnly {
		r.raw = func(conn *pgx.Conn) error {
			return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(pgx.Tx) error { return call(conn) })
		}
	}
	return r
}

// callProcByTrying is callProc for other drivers, which the catalog query
// may not suit (sqlmock): it tries name as a function first, through
// execute; PostgreSQL rejects that for a procedure while analysing the
// statement, before anything runs, so calling it again with CALL cannot
// run it twice.
func (p *Pool) callProcByTrying(ctx context.Context, execute func(context.Context, string, ...any) *future.Future[*Cursor],
	name, quoted string, args []any) *future.Future[*Cursor] {
	return future.Go(ctx, func(ctx context.Context) (*Cursor, error) {
		cur, err := execute(ctx, sqltext.CallSQL(quoted, false, len(args)), args...).Await(ctx)
		if sqlState(err) == pgerrcode.WrongObjectType {
			p.procKinds.Store(name, true)
			return execute(ctx, sqltext.CallSQL(quoted, true, len(args)), args...).Await(ctx)
		}
		if err == nil {
			p.procKinds.Store(name, false)
		}
		return cur, err
	})
}

// sqlState is err's SQLSTATE, found through a small interface so that any
// driver's errors work.
func sqlState(err error) string {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState()
	}
	return ""
}
