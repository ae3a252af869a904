package resilience_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// bouncerPoolSize is PgBouncer's default_pool_size in these tests: how
// many server connections it opens per database.
const bouncerPoolSize = 4

// TestPgBouncerTransactionPooling runs Execute, Transaction and parallel
// futures through PgBouncer in transaction pooling mode with each
// default_query_exec_mode that suits it: statements named by pgx's
// default statement cache would be prepared on one server connection and
// looked for on another.
func TestPgBouncerTransactionPooling(t *testing.T) {
	srv := pgtest.Shared(t)
	db := databaseName(t, srv.NewDatabase(t))
	bouncer := srv.NewPgBouncer(t, pgtest.PgBouncerOptions{PoolMode: "transaction", DefaultPoolSize: bouncerPoolSize})

	for _, mode := range []string{"simple_protocol", "exec"} {
		t.Run(mode, func(t *testing.T) {
			ctx := testContext(t)
			dsn := withParams(t, bouncer.DatabaseDSN(db), "default_query_exec_mode", mode)
			p := openPool(t, ctx, dsn, pool.Options{Size: 2, MaxSize: 8})

			cur, err := p.Execute(ctx, "SELECT $1::int + $2::int, $3::text", 2, 3, "five").Await(ctx)
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			var sum int
			var text string
			if err := cur.FetchOne(&sum, &text); err != nil || sum != 5 || text != "five" {
				t.Fatalf("Execute: %d, %q, %v; want 5, five", sum, text, err)
			}

			table := pgx.Identifier{"tx_" + mode}.Sanitize()
			if _, err := p.Execute(ctx, "CREATE TABLE "+table+" (n int)").Await(ctx); err != nil {
				t.Fatal(err)
			}
			curs, err := p.Transaction(ctx, []pool.Statement{
				{SQL: "INSERT INTO " + table + " VALUES ($1)", Args: []any{1}},
				{SQL: "INSERT INTO " + table + " VALUES ($1)", Args: []any{2}},
				{SQL: "SELECT count(*) FROM " + table},
			}).Await(ctx)
			if err != nil {
				t.Fatalf("Transaction: %v", err)
			}
			var n int
			if err := curs[2].FetchOne(&n); err != nil || n != 2 {
				t.Fatalf("count inside the transaction: %d, %v; want 2", n, err)
			}
			_, err = p.Transaction(ctx, []pool.Statement{
				{SQL: "INSERT INTO " + table + " VALUES ($1)", Args: []any{3}},
				{SQL: "SELECT 1 / $1::int", Args: []any{0}},
			}).Await(ctx)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.DivisionByZero {
				t.Fatalf("failing Transaction: %v, want SQLSTATE %s", err, pgerrcode.DivisionByZero)
			}
			cur, err = p.Execute(ctx, "SELECT count(*) FROM "+table).Await(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := cur.FetchOne(&n); err != nil || n != 2 {
				t.Fatalf("count after the rolled back transaction: %d, %v; want 2", n, err)
			}

			const parallel = 32
			start := time.Now()
			fs := make([]*future.Future[*pool.Cursor], parallel)
			for i := range fs {
				fs[i] = p.Execute(ctx, "SELECT $1::int, pg_backend_pid() FROM pg_sleep(0.02)", i)
			}
			results, err := future.All(ctx, fs...)
			if err != nil {
				t.Fatalf("parallel futures: %v", err)
			}
			took := time.Since(start)
			backends := map[int]bool{}
			for i, cur := range results {
				var got, pid int
				if err := cur.FetchOne(&got, &pid); err != nil || got != i {
					t.Fatalf("future %d: %d, %v", i, got, err)
				}
				backends[pid] = true
			}
			if len(backends) > bouncerPoolSize {
				t.Errorf("%d server backends served the futures, want <= %d (PgBouncer's pool)", len(backends), bouncerPoolSize)
			}
			report(t, "pgbouncer_"+mode, "parallel_futures=%d client_conns<=%d server_backends=%d took=%v",
				parallel, p.Options().MaxSize, len(backends), took.Round(time.Millisecond))
		})
	}
}

// TestPgBouncerDefaultExecModeFails shows why the DSN needs
// default_query_exec_mode behind PgBouncer in transaction pooling: pgx's
// default caches named prepared statements per connection, and the next
// transaction may run on a server connection that never saw them.
func TestPgBouncerDefaultExecModeFails(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	db := databaseName(t, srv.NewDatabase(t))
	bouncer := srv.NewPgBouncer(t, pgtest.PgBouncerOptions{PoolMode: "transaction", DefaultPoolSize: 2})
	p := openPool(t, ctx, bouncer.DatabaseDSN(db), pool.Options{Size: 2, MaxSize: 2})

	a, err := p.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := p.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int
	if err := a.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// b takes the server connection a prepared its statement on.
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	err = a.QueryRowContext(ctx, "SELECT $1::int", 2).Scan(&n)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.InvalidSQLStatementName {
		t.Fatalf("cached statement on another server connection: %v, want SQLSTATE %s (prepared statement does not exist)",
			err, pgerrcode.InvalidSQLStatementName)
	}
	report(t, "pgbouncer_default_mode", "error=%q", pgErr.Code+" "+pgErr.Message)
}

// TestPgBouncerSetSessionIsUnsafe shows why setsession must not be used
// behind a transaction pooler, and how to detect one: the statements run
// once, on whichever server connection PgBouncer lent for that
// transaction, so the setting leaks to other clients and is missing from
// the client's own later transactions.
func TestPgBouncerSetSessionIsUnsafe(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	db := databaseName(t, direct)
	// Two server connections: one for the pool's call while another client
	// holds the other, and few enough that PgBouncer's choice is known.
	bouncer := srv.NewPgBouncer(t, pgtest.PgBouncerOptions{PoolMode: "transaction", DefaultPoolSize: 2})
	dsn := withParams(t, bouncer.DatabaseDSN(db), "default_query_exec_mode", "simple_protocol")

	for _, c := range []struct {
		name, dsn string
		pooled    bool
	}{{"postgresql", direct, false}, {"pgbouncer", dsn, true}} {
		p := openPool(t, ctx, c.dsn, pool.Options{Size: 2, MaxSize: 2})
		pooled, err := p.SessionsPooled(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pooled != c.pooled {
			t.Errorf("SessionsPooled through %s = %v, want %v", c.name, pooled, c.pooled)
		}
		p.Close()
	}

	// statement_timeout is not reported to clients, so PgBouncer does not
	// track it per client as it does client_encoding or TimeZone.
	const setting = "4321ms"
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1,
		SetSession: []string{"SET statement_timeout = '" + setting + "'"}})
	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.WithoutCancel(ctx))

	show := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) string {
		var v string
		if err := q.QueryRow(ctx, "SHOW statement_timeout").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	leaked := show(other)
	if leaked != setting {
		t.Errorf("another client sees statement_timeout %q, want the pool's setsession %q to have leaked to it", leaked, setting)
	}
	// While the other client holds the server connection setsession ran
	// on, the pool's next transaction runs on another one.
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	show(tx)
	cur, err := p.Execute(ctx, "SHOW statement_timeout").Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var own string
	if err := cur.FetchOne(&own); err != nil {
		t.Fatal(err)
	}
	if own == setting {
		t.Errorf("the pool's own call sees its setsession %q on another server connection; want it lost", own)
	}
	report(t, "pgbouncer_setsession", "setsession=%q other_client_sees=%q own_next_tx_sees=%q detected=true", setting, leaked, own)
}

// TestSetSessionBehindPgBouncerIsReported: Connect detects the pooler and
// warns through the pool's logger; straight to PostgreSQL it stays quiet.
func TestSetSessionBehindPgBouncerIsReported(t *testing.T) {
	ctx := testContext(t)
	srv := pgtest.Shared(t)
	direct := srv.NewDatabase(t)
	bouncer := srv.NewPgBouncer(t, pgtest.PgBouncerOptions{PoolMode: "transaction", DefaultPoolSize: 2})
	viaBouncer := withParams(t, bouncer.DatabaseDSN(databaseName(t, direct)), "default_query_exec_mode", "simple_protocol")
	for _, c := range []struct {
		name, dsn string
		warned    bool
	}{{"postgresql", direct, false}, {"pgbouncer", viaBouncer, true}} {
		var log strings.Builder
		var mu sync.Mutex
		logger := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return log.Write(b)
		}), nil))
		p := openPool(t, ctx, c.dsn, pool.Options{Size: 2, MaxSize: 2, Logger: logger,
			SetSession: []string{"SET statement_timeout = '5s'"}})
		p.Close()
		mu.Lock()
		warned := strings.Contains(log.String(), "lends connections per transaction")
		mu.Unlock()
		if warned != c.warned {
			t.Errorf("through %s: warned %v, want %v; log:\n%s", c.name, warned, c.warned, log.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
