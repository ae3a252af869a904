package compat_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"testing"

	"github.com/XSAM/otelsql"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/pool"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// otelsql opens the pool's *sql.DB and keeps every pool feature:
// SetSession applies, Conn.Raw reaches pgx through the wrapped
// connection, and what goes through database/sql is traced.
func TestOtelsqlOpenDB(t *testing.T) {
	ctx := testContext(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	p := openPool(t, ctx, pool.Options{
		SetSession: []string{"SET application_name = 'traced'"},
		OpenDB: func(c sqldriver.Connector) *sql.DB {
			return otelsql.OpenDB(c, otelsql.WithTracerProvider(tp))
		},
	})

	cur, err := p.Execute(ctx, "SELECT current_setting('application_name')").Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var app string
	if err := cur.FetchOne(&app); err != nil || app != "traced" {
		t.Fatalf("application_name = %q, %v", app, err)
	}

	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid uint32
	err = c.Raw(func(conn *pgx.Conn) error { pid = conn.PgConn().PID(); return nil })
	p.PutConn(c)
	if err != nil || pid == 0 {
		t.Fatalf("Conn.Raw through otelsql: pid %d, %v", pid, err)
	}

	if _, err := p.BeginFunc(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT 'in a traced transaction'")
		return err
	}).Await(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range spans.Ended() {
		names = append(names, s.Name())
	}
	for _, want := range []string{"sql.conn.begin_tx", "sql.conn.exec", "sql.tx.commit"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("no %s span among %q", want, names)
		}
	}
}
