package pool_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// listening is what the pool's one connection listens to, and its pid.
func listening(t *testing.T, ctx context.Context, p *pool.Pool) (channels int64, pid int64) {
	t.Helper()
	cur := await(t, ctx, p.Execute(ctx, "SELECT (SELECT count(*) FROM pg_listening_channels()), pg_backend_pid()"))
	if err := cur.FetchOne(&channels, &pid); err != nil {
		t.Fatal(err)
	}
	return channels, pid
}

// A connection goes back to the pool without its borrower's LISTEN,
// however the borrower listened.
func TestNoListenAfterRelease(t *testing.T) {
	ctx := testContext(t)
	// One connection, so that the next caller gets the same one.
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	_, pid := listening(t, ctx, p)

	c := await(t, ctx, p.GetConn(ctx))
	await(t, ctx, c.Execute(ctx, "  listen jobs"))
	if err := p.PutConn(c); err != nil {
		t.Fatal(err)
	}
	if n, after := listening(t, ctx, p); n != 0 || after != pid {
		t.Fatalf("after Conn.Execute LISTEN: %d channels on pid %d (was %d)", n, after, pid)
	}

	await(t, ctx, p.Raw(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "LISTEN jobs")
		return err
	}))
	if n, after := listening(t, ctx, p); n != 0 || after != pid {
		t.Fatalf("after Pool.Raw LISTEN: %d channels on pid %d (was %d)", n, after, pid)
	}

	await(t, ctx, p.WithConn(ctx, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, "LISTEN jobs")
		return err
	}))
	if n, after := listening(t, ctx, p); n != 0 || after != pid {
		t.Fatalf("after WithConn LISTEN: %d channels on pid %d (was %d)", n, after, pid)
	}

	c = await(t, ctx, p.GetConn(ctx))
	if err := c.Raw(func(c *pgx.Conn) error { _, err := c.Exec(ctx, "LISTEN jobs"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := p.Manage(c, func(*pool.Conn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n, after := listening(t, ctx, p); n != 0 || after != pid {
		t.Fatalf("after Conn.Raw LISTEN: %d channels on pid %d (was %d)", n, after, pid)
	}
}

// AfterRelease resets what the pool does not, and refuses a connection by
// returning false.
func TestAfterRelease(t *testing.T) {
	ctx := testContext(t)
	keep := true
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1,
		AfterRelease: func(c *pgx.Conn) bool {
			_, err := c.Exec(context.Background(), "RESET ALL")
			return err == nil && keep
		}})
	_, pid := listening(t, ctx, p)
	c := await(t, ctx, p.GetConn(ctx))
	await(t, ctx, c.Execute(ctx, "SET application_name = 'borrower'"))
	p.PutConn(c)
	cur := await(t, ctx, p.Execute(ctx, "SELECT current_setting('application_name'), pg_backend_pid()"))
	var app string
	var after int64
	if err := cur.FetchOne(&app, &after); err != nil || app != "" || after != pid {
		t.Fatalf("after AfterRelease: application_name %q on pid %d (was %d), %v", app, after, pid, err)
	}

	keep = false
	c = await(t, ctx, p.GetConn(ctx))
	p.PutConn(c)
	if _, after := listening(t, ctx, p); after == pid {
		t.Fatalf("a connection AfterRelease refused was reused (pid %d)", pid)
	}
}
