package compat_test

import (
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/pool"
)

type user struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Email string `db:"email"`
}

// sqlx learns the momoko driver's bind type once; then Rebind, NamedExec
// and In work on the pool's *sql.DB.
func TestSqlxBindDriver(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pool.Options{})
	sqlx.BindDriver(driver.Name, sqlx.DOLLAR)
	db := sqlx.NewDb(p.DB(), driver.Name)

	db.MustExecContext(ctx, "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text)")
	if got := db.Rebind("SELECT * FROM users WHERE id = ? AND name = ?"); got != "SELECT * FROM users WHERE id = $1 AND name = $2" {
		t.Fatalf("Rebind = %q", got)
	}
	for _, u := range []user{{1, "ada", "ada@example.com"}, {2, "grace", "grace@example.com"}, {3, "edsger", "ew@example.com"}} {
		if _, err := db.NamedExecContext(ctx, "INSERT INTO users (id, name, email) VALUES (:id, :name, :email)", u); err != nil {
			t.Fatalf("NamedExec: %v", err)
		}
	}
	q, args, err := sqlx.In("SELECT name FROM users WHERE id IN (?) ORDER BY id", []int64{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := db.SelectContext(ctx, &names, db.Rebind(q), args...); err != nil || !slices.Equal(names, []string{"ada", "edsger"}) {
		t.Fatalf("In = %v, %v", names, err)
	}
}

// sqlx.StructScan maps a pool Cursor's columns to fields by name.
func TestSqlxStructScanCursor(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pool.Options{})
	cur, err := p.Execute(ctx, `SELECT email, id, name FROM (VALUES
		(1::bigint, 'ada', 'ada@example.com'), (2, 'grace', 'grace@example.com')) v(id, name, email) ORDER BY id`).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var users []user
	if err := sqlx.StructScan(cur.SQLRows(), &users); err != nil {
		t.Fatal(err)
	}
	if want := []user{{1, "ada", "ada@example.com"}, {2, "grace", "grace@example.com"}}; !slices.Equal(users, want) {
		t.Fatalf("StructScan = %v, want %v", users, want)
	}
}
