package pool_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// Every entry point that takes a context takes nil as
// context.Background(): it neither panics nor fails, and Raw still
// unlistens after its function, so that the next borrower of the
// connection receives nothing of it.
func TestNilContextMeansBackground(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	// One connection, so that the LISTEN of Raw would reach the next
	// caller.
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 1})
	await(t, ctx, p.Execute(ctx, "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'"))
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { connector.Close() })
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	var nilCtx context.Context

	// one checks the cursor of a statement that answers 42.
	one := func(f *future.Future[*pool.Cursor]) error {
		cur, err := f.Await(ctx)
		if err != nil {
			return err
		}
		var n int
		if err := cur.FetchOne(&n); err != nil {
			return err
		}
		if n != 42 {
			return fmt.Errorf("got %d, want 42", n)
		}
		return nil
	}
	many := func(f *future.Future[[]*pool.Cursor]) error {
		curs, err := f.Await(ctx)
		if err != nil {
			return err
		}
		return one(future.Resolved(curs[0]))
	}
	done := func(f *future.Future[struct{}]) error { _, err := f.Await(ctx); return err }
	stmts := []pool.Statement{{SQL: "SELECT 42"}}
	onConn := func(fn func(c *pool.Conn) error) func() error {
		return func() error {
			c, err := p.Acquire(ctx)
			if err != nil {
				return err
			}
			defer p.PutConn(c)
			return fn(c)
		}
	}
	onRawConn := func(fn func(conn *pgx.Conn) error) func() error {
		return onConn(func(c *pool.Conn) error { return c.Raw(fn) })
	}

	calls := []struct {
		name string
		call func() error
	}{
		{"Open", func() error {
			q, err := pool.Open(nilCtx, dsn, pool.Options{})
			if err == nil {
				q.Close()
			}
			return err
		}},
		{"OpenWithConfig", func() error {
			q, err := pool.OpenWithConfig(nilCtx, cfg, pool.Options{})
			if err == nil {
				q.Close()
			}
			return err
		}},
		{"Pool.Connect", func() error {
			q, err := pool.New(dsn, pool.Options{})
			if err != nil {
				return err
			}
			defer q.Close()
			_, err = q.Connect(nilCtx).Await(ctx)
			return err
		}},
		{"Connect", func() error {
			c, err := pool.Connect(nilCtx, dsn, pool.ConnOptions{}).Await(ctx)
			if err == nil {
				c.Close()
			}
			return err
		}},
		{"Pool.Execute", func() error { return one(p.Execute(nilCtx, "SELECT 42")) }},
		{"Pool.CallProc", func() error { return one(p.CallProc(nilCtx, "answer")) }},
		{"Pool.Transaction", func() error { return many(p.Transaction(nilCtx, stmts)) }},
		{"Pool.Ping", func() error { return done(p.Ping(nilCtx)) }},
		{"Pool.Mogrify", func() error { _, err := p.Mogrify(nilCtx, "SELECT $1", 42).Await(ctx); return err }},
		{"Pool.WALPosition", func() error { _, err := p.WALPosition(nilCtx).Await(ctx); return err }},
		{"Pool.RegisterHstore", func() error { return done(p.RegisterHstore(nilCtx)) }},
		{"Pool.RegisterJSON", func() error { return done(p.RegisterJSON(nilCtx)) }},
		{"Pool.WithConn", func() error {
			return done(p.WithConn(nilCtx, func(c *sql.Conn) error { return c.PingContext(ctx) }))
		}},
		{"Pool.Raw", func() error {
			return done(p.Raw(nilCtx, func(c *pgx.Conn) error { _, err := c.Exec(ctx, "LISTEN nilctx"); return err }))
		}},
		{"Pool.BeginFunc", func() error {
			return done(p.BeginFunc(nilCtx, func(tx *sql.Tx) error { _, err := tx.Exec("SELECT 1"); return err }))
		}},
		{"Pool.GetConn", func() error {
			c, err := p.GetConn(nilCtx).Await(ctx)
			if err == nil {
				p.PutConn(c)
			}
			return err
		}},
		{"Pool.Acquire", func() error {
			c, err := p.Acquire(nilCtx)
			if err == nil {
				p.PutConn(c)
			}
			return err
		}},
		{"Pool.SessionsPooled", func() error {
			q := openPool(t, ctx, dsn, pool.Options{Size: 2})
			_, err := q.SessionsPooled(nilCtx)
			return err
		}},
		{"Collect", func() error {
			v, err := pool.Collect(nilCtx, p, pgx.RowTo[int], "SELECT 42").Await(ctx)
			if err == nil && (len(v) != 1 || v[0] != 42) {
				err = fmt.Errorf("got %v", v)
			}
			return err
		}},
		{"CollectOne", func() error {
			_, err := pool.CollectOne(nilCtx, p, pgx.RowTo[int], "SELECT 42").Await(ctx)
			return err
		}},
		{"Replica.Execute", func() error { return one(p.Replica().Execute(nilCtx, "SELECT 42")) }},
		{"Replica.CallProc", func() error { return one(p.Replica().CallProc(nilCtx, "answer")) }},
		{"Replica.Transaction", func() error { return many(p.Replica().Transaction(nilCtx, stmts)) }},
		{"ReadYourWrites.Execute", func() error { return one(p.ReadYourWrites().Execute(nilCtx, "SELECT 42")) }},
		{"ReadYourWrites.CallProc", func() error { return one(p.ReadYourWrites().CallProc(nilCtx, "answer")) }},
		{"ReadYourWrites.Transaction", func() error { return many(p.ReadYourWrites().Transaction(nilCtx, stmts)) }},
		{"Conn.Execute", onConn(func(c *pool.Conn) error { return one(c.Execute(nilCtx, "SELECT 42")) })},
		{"Conn.CallProc", onConn(func(c *pool.Conn) error { return one(c.CallProc(nilCtx, "answer")) })},
		{"Conn.Transaction", onConn(func(c *pool.Conn) error { return many(c.Transaction(nilCtx, stmts)) })},
		{"Conn.Ping", onConn(func(c *pool.Conn) error { return done(c.Ping(nilCtx)) })},
		{"Conn.RegisterHstore", onConn(func(c *pool.Conn) error { return done(c.RegisterHstore(nilCtx)) })},
		{"Conn.RegisterJSON", onConn(func(c *pool.Conn) error { return done(c.RegisterJSON(nilCtx)) })},
		{"driver.Connector.Connect", func() error {
			dc, err := connector.Connect(nilCtx)
			if err == nil {
				dc.Close()
			}
			return err
		}},
		{"driver.Connector.EnableHstore", onRawConn(func(conn *pgx.Conn) error { return connector.EnableHstore(nilCtx, conn) })},
		{"driver.Connector.EnableJSON", onRawConn(func(conn *pgx.Conn) error {
			return connector.EnableJSON(nilCtx, conn, driver.JSONConfig{})
		})},
		{"driver.Connector.RefreshTypes", onRawConn(func(conn *pgx.Conn) error { return connector.RefreshTypes(nilCtx, conn) })},
		{"future.Go", func() error {
			_, err := future.Go(nilCtx, func(context.Context) (int, error) { return 1, nil }).Await(ctx)
			return err
		}},
		{"future.Await", func() error { _, err := future.Resolved(1).Await(nilCtx); return err }},
		{"future.All", func() error { _, err := future.All(nilCtx, future.Resolved(1)); return err }},
		{"future.AllSettled", func() error { return future.AllSettled(nilCtx, future.Resolved(1))[0].Err }},
		{"future.First", func() error { _, err := future.First(nilCtx, future.Resolved(1)); return err }},
		{"future.Map", func() error {
			_, err := future.Map(nilCtx, 1, []int{1}, func(_ context.Context, i int) (int, error) { return i, nil }).Await(ctx)
			return err
		}},
		{"future.Query", func() error {
			_, err := future.Query(nilCtx, db, future.ScanValue[int], "SELECT 42").Await(ctx)
			return err
		}},
		{"future.QueryRow", func() error {
			_, err := future.QueryRow(nilCtx, db, future.ScanValue[int], "SELECT 42").Await(ctx)
			return err
		}},
		{"future.Exec", func() error { _, err := future.Exec(nilCtx, db, "SELECT 42").Await(ctx); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := func() (err error) {
				defer func() {
					if v := recover(); v != nil {
						err = fmt.Errorf("panicked: %v", v)
					}
				}()
				return c.call()
			}()
			if err != nil {
				t.Errorf("with a nil context: %v", err)
			}
			if n, _ := listening(t, ctx, p); n != 0 {
				t.Errorf("the next caller listens to %d channels", n)
			}
		})
	}
}
