package pool_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// queryTracer records the SQL pgx traced.
type queryTracer struct {
	mu  sync.Mutex
	sql []string
}

func (q *queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.mu.Lock()
	q.sql = append(q.sql, d.SQL)
	q.mu.Unlock()
	return ctx
}

func (q *queryTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (q *queryTracer) saw(sql string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Contains(q.sql, sql)
}

// A configuration built in code carries what a DSN cannot, a tracer here;
// the pool's SetSession is added to the configuration's.
func TestOpenWithConfig(t *testing.T) {
	ctx := testContext(t)
	cfg, err := driver.ParseConfig(pgtest.Shared(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetSession = []string{"SET application_name = 'from_config'"}
	tracer := &queryTracer{}
	cfg.ConnConfig.Tracer = tracer
	p, err := pool.OpenWithConfig(ctx, cfg, pool.Options{SetSession: []string{"SET search_path = pg_catalog"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cur := await(t, ctx, p.Execute(ctx, "SELECT current_setting('application_name'), current_setting('search_path')"))
	var app, path string
	if err := cur.FetchOne(&app, &path); err != nil || app != "from_config" || path != "pg_catalog" {
		t.Fatalf("session = %q, %q, %v", app, path, err)
	}
	if len(cfg.SetSession) != 1 {
		t.Fatalf("cfg.SetSession was modified: %q", cfg.SetSession)
	}
	// What runs through pgx's own methods is traced, and so are the
	// pipelined statements of the futures (see NewWithConfig).
	await(t, ctx, p.BeginFunc(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT 'traced'")
		return err
	}))
	if !tracer.saw("SELECT 'traced'") {
		t.Fatalf("BeginFunc's statement was not traced: %q", tracer.sql)
	}
	await(t, ctx, p.Execute(ctx, "SELECT 'pipelined'"))
	if !tracer.saw("SELECT 'pipelined'") {
		t.Fatalf("a pipelined statement was not traced: %q", tracer.sql)
	}
}

// wrapConnector stands for database/sql middleware such as otelsql: it
// counts what passes through it and gives the connection it wraps back
// through Raw.
type wrapConnector struct {
	sqldriver.Connector
	queries *atomic.Int64
}

func (w wrapConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	c, err := w.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return wrappedConn{c, w.queries}, nil
}

type wrappedConn struct {
	sqldriver.Conn
	queries *atomic.Int64
}

func (w wrappedConn) Raw() sqldriver.Conn { return w.Conn }

func (w wrappedConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	w.queries.Add(1)
	return w.Conn.(sqldriver.QueryerContext).QueryContext(ctx, query, args)
}

func (w wrappedConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	w.queries.Add(1)
	return w.Conn.(sqldriver.ExecerContext).ExecContext(ctx, query, args)
}

// A wrapped connector keeps the pool's features: SetSession, pipelining
// through pgx, Conn.Raw, and database/sql code passes the wrapper.
func TestOpenDBMiddlewareKeepsPoolFeatures(t *testing.T) {
	ctx := testContext(t)
	var queries atomic.Int64
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{
		SetSession: []string{"SET application_name = 'wrapped'"},
		OpenDB:     func(c sqldriver.Connector) *sql.DB { return sql.OpenDB(wrapConnector{c, &queries}) },
	})
	cur := await(t, ctx, p.Execute(ctx, "SELECT current_setting('application_name')"))
	var app string
	if err := cur.FetchOne(&app); err != nil || app != "wrapped" {
		t.Fatalf("application_name = %q, %v", app, err)
	}
	if n := queries.Load(); n != 0 {
		t.Fatalf("Execute went through database/sql: %d queries seen by the wrapper", n)
	}
	c := await(t, ctx, p.GetConn(ctx))
	var pid uint32
	if err := c.Raw(func(conn *pgx.Conn) error { pid = conn.PgConn().PID(); return nil }); err != nil || pid == 0 {
		t.Fatalf("Conn.Raw on a wrapped connection: pid %d, %v", pid, err)
	}
	p.PutConn(c)
	await(t, ctx, p.BeginFunc(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT 1")
		return err
	}))
	if n := queries.Load(); n != 1 {
		t.Fatalf("the wrapper saw %d of BeginFunc's statements, want 1", n)
	}
}

func TestFromDBRejectsDriverOptions(t *testing.T) {
	for _, tc := range []struct {
		opts pool.Options
		want string
	}{
		{pool.Options{SetSession: []string{"SET x = 1"}}, "momoko: invalid pool options: FromDB cannot apply SetSession: use the momoko driver's setsession, or New"},
		{pool.Options{PingAfterIdle: -1}, "momoko: invalid pool options: FromDB cannot apply PingAfterIdle: use New"},
		{pool.Options{OpenDB: sql.OpenDB}, "momoko: invalid pool options: FromDB cannot apply OpenDB: the *sql.DB is open already"},
	} {
		db, _, err := sqlmock.New()
		if err != nil {
			t.Fatal(err)
		}
		_, err = pool.FromDB(db, tc.opts)
		if !errors.Is(err, pool.ErrInvalidOptions) || err.Error() != tc.want {
			t.Errorf("FromDB = %v, want %s", err, tc.want)
		}
		db.Close()
	}
	if _, err := pool.NewWithConfig(nil, pool.Options{}); !errors.Is(err, pool.ErrInvalidOptions) {
		t.Errorf("NewWithConfig(nil) = %v", err)
	}
}

// opaqueConnector stands for middleware that hides the connection it
// wraps: the pool runs everything through database/sql on it.
type opaqueConnector struct{ sqldriver.Connector }

func (o opaqueConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	c, err := o.Connector.Connect(ctx)
	return opaqueConn{c}, err
}

type opaqueConn struct{ sqldriver.Conn }

// A Transaction through middleware that hides the connection resolves to
// one cursor per statement, as everywhere else: it lost the first and
// last, taken for BEGIN's and COMMIT's, which database/sql does not
// return as results.
func TestTransactionThroughOpaqueMiddleware(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{
		OpenDB: func(c sqldriver.Connector) *sql.DB { return sql.OpenDB(opaqueConnector{c}) },
	})
	curs := await(t, ctx, p.Transaction(ctx, []pool.Statement{{SQL: "SELECT 1"}, {SQL: "SELECT 2"}, {SQL: "SELECT 3"}}))
	if len(curs) != 3 {
		t.Fatalf("%d cursors for 3 statements", len(curs))
	}
	for i, cur := range curs {
		var n int
		if err := cur.FetchOne(&n); err != nil || n != i+1 {
			t.Errorf("cursor %d: %d, %v", i, n, err)
		}
	}
}
