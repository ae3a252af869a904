package compat_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/momoko-go/momoko/pool"
)

// golang-migrate runs on the pool's *sql.DB, and its Close closes that
// *sql.DB: the pool then reports ErrPoolClosed, not database/sql's
// message alone.
func TestGolangMigrateCloseIsPoolClosed(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pool.Options{Size: 1, MaxSize: 2})
	src, err := iofs.New(fstest.MapFS{
		"migrations/1_users.up.sql":   {Data: []byte("CREATE TABLE users (id bigint PRIMARY KEY, name text)")},
		"migrations/1_users.down.sql": {Data: []byte("DROP TABLE users")},
	}, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	drv, err := postgres.WithInstance(p.DB(), &postgres.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Execute(ctx, "SELECT count(*) FROM users").Await(ctx); err != nil {
		t.Fatalf("the migrated table: %v", err)
	}
	if srcErr, dbErr := m.Close(); srcErr != nil || dbErr != nil {
		t.Fatal(srcErr, dbErr)
	}

	// The pool's one connection is still open; a second needs the closed
	// *sql.DB.
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.PutConn(c)
	_, err = p.Acquire(ctx)
	const want = "momoko: connection pool is closed: its *sql.DB was closed by other code (tools such as golang-migrate's Close close the *sql.DB they are given): sql: database is closed"
	if !errors.Is(err, pool.ErrPoolClosed) || err.Error() != want {
		t.Fatalf("Acquire after migrate's Close = %v", err)
	}
}
