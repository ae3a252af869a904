package pool_test

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// The tutorial's server-side cursor: a cursor lives inside a transaction
// on one connection, so it needs GetConn and Manage.
func TestServerSideCursorOnManagedConn(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1, MaxSize: 2})

	c := await(t, ctx, p.GetConn(ctx))
	var chunks [][]int64
	err := p.Manage(c, func(c *pool.Conn) error {
		for _, q := range []string{"BEGIN", "DECLARE c CURSOR FOR SELECT generate_series(1, 10)"} {
			if _, err := c.Execute(ctx, q).Await(ctx); err != nil {
				return err
			}
		}
		for {
			cur, err := c.Execute(ctx, "FETCH 3 FROM c").Await(ctx)
			if err != nil {
				return err
			}
			rows := cur.FetchAll()
			if len(rows) == 0 {
				break
			}
			var chunk []int64
			for _, r := range rows {
				chunk = append(chunk, r[0].(int64))
			}
			chunks = append(chunks, chunk)
		}
		for _, q := range []string{"CLOSE c", "COMMIT"} {
			if _, err := c.Execute(ctx, q).Await(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Manage: %v", err)
	}
	want := [][]int64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10}}
	if !slices.EqualFunc(chunks, want, slices.Equal) {
		t.Fatalf("fetched %v, want %v", chunks, want)
	}
	if st := p.Stats(); st.Busy != 0 {
		t.Fatalf("after Manage: %v, want nothing busy", st)
	}
}

func TestCursorResults(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})

	const query = "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'"
	cur := await(t, ctx, p.Execute(ctx, query))
	if got := cur.Columns(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Columns %v, want [a b]", got)
	}
	if cur.RowsAffected() != 2 || cur.CommandTag() != "SELECT 2" {
		t.Fatalf("RowsAffected %d, CommandTag %q; want 2, SELECT 2", cur.RowsAffected(), cur.CommandTag())
	}
	var a int
	var b string
	if err := cur.FetchOne(&a, &b); err != nil || a != 1 || b != "x" {
		t.Fatalf("FetchOne: %d %q %v, want 1 x", a, b, err)
	}
	if err := cur.FetchOne(&a); err == nil || !strings.Contains(err.Error(), "1 destinations for 2 columns") {
		t.Fatalf("FetchOne with one destination for two columns: %v, want an error saying so", err)
	}
	rest := cur.FetchMany(5)
	if len(rest) != 1 || rest[0][0] != int64(2) || rest[0][1] != "y" {
		t.Fatalf("FetchMany: %v, want [[2 y]]", rest)
	}
	if err := cur.FetchOne(&a, &b); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("FetchOne past the end: %v, want sql.ErrNoRows", err)
	}
	all := await(t, ctx, p.Execute(ctx, query)).FetchAll()
	if len(all) != 2 || all[1][0] != int64(2) {
		t.Fatalf("FetchAll: %v", all)
	}

	await(t, ctx, p.Execute(ctx, "CREATE TABLE t (id int, name text)"))
	ins := await(t, ctx, p.Execute(ctx, "INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'three')"))
	if ins.RowsAffected() != 3 || ins.CommandTag() != "INSERT 0 3" || len(ins.Columns()) != 0 {
		t.Fatalf("INSERT: RowsAffected %d, CommandTag %q, Columns %v; want 3, INSERT 0 3, none",
			ins.RowsAffected(), ins.CommandTag(), ins.Columns())
	}
	upd := await(t, ctx, p.Execute(ctx, "UPDATE t SET name = upper(name) WHERE id > $1", 1))
	if upd.RowsAffected() != 2 || upd.CommandTag() != "UPDATE 2" {
		t.Fatalf("UPDATE: RowsAffected %d, CommandTag %q; want 2, UPDATE 2", upd.RowsAffected(), upd.CommandTag())
	}

	names := await(t, ctx, p.Execute(ctx, "SELECT name FROM t ORDER BY id"))
	var ns sql.NullString
	if err := names.FetchOne(&ns); err != nil || !ns.Valid || ns.String != "one" {
		t.Fatalf("NullString from 'one': %+v, %v", ns, err)
	}
	var s string
	err := names.FetchOne(&s)
	if err == nil || !strings.Contains(err.Error(), "NULL") {
		t.Fatalf("NULL into *string: %v, want a conversion error naming NULL", err)
	}
	if err := names.FetchOne(&ns); err != nil || ns.Valid {
		t.Fatalf("NULL into sql.NullString: %+v, %v, want invalid", ns, err)
	}
	var ps *string
	if err := names.FetchOne(&ps); err != nil || ps == nil || *ps != "THREE" {
		t.Fatalf("into **string: %v, %v, want THREE", ps, err)
	}
}

func TestCallProc(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	p := openPool(t, ctx, dsn, pool.Options{Size: 1})
	for _, q := range []string{
		"CREATE TABLE t (v int)",
		"CREATE FUNCTION add_one(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1'",
		"CREATE SCHEMA billing",
		"CREATE FUNCTION billing.twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2'",
		"CREATE PROCEDURE remember(v int) LANGUAGE sql AS 'INSERT INTO t VALUES (v)'",
		`CREATE FUNCTION "AddTwo"(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 2'`,
	} {
		await(t, ctx, p.Execute(ctx, q))
	}

	call := func(name string, arg int) int {
		t.Helper()
		cur := await(t, ctx, p.CallProc(ctx, name, arg))
		var n int
		if err := cur.FetchOne(&n); err != nil {
			t.Fatalf("CallProc(%q): %v", name, err)
		}
		return n
	}
	if got := call("add_one", 41); got != 42 {
		t.Errorf("add_one(41) = %d", got)
	}
	if got := call("billing.twice", 21); got != 42 {
		t.Errorf("billing.twice(21) = %d", got)
	}
	if got := call("AddTwo", 40); got != 42 {
		t.Errorf(`"AddTwo"(40) = %d`, got)
	}
	_, err := p.CallProc(ctx, "addtwo", 40).Await(ctx)
	if sqlState(err) != pgerrcode.UndefinedFunction {
		t.Errorf("CallProc(addtwo) with only \"AddTwo\" defined: %v, want SQLSTATE 42883", err)
	}

	await(t, ctx, p.CallProc(ctx, "remember", 7))
	if got := execInt(t, ctx, p, "SELECT sum(v) FROM t"); got != 7 {
		t.Fatalf("after CALL remember(7): sum %d, want 7", got)
	}

	_, err = p.CallProc(ctx, "add_one(1); DROP TABLE t; --").Await(ctx)
	if sqlState(err) != pgerrcode.UndefinedFunction {
		t.Fatalf("injection attempt: %v, want SQLSTATE 42883", err)
	}
	if got := execInt(t, ctx, p, "SELECT count(*) FROM t"); got != 1 {
		t.Fatalf("table t has %d rows after the injection attempt, want 1", got)
	}
	if _, err := p.CallProc(ctx, "a.b.c.d").Await(ctx); !errors.Is(err, pool.ErrBadProcName) {
		t.Fatalf("CallProc(a.b.c.d): %v, want ErrBadProcName", err)
	}
}

func TestCallProcOfAProcedureInsideATransaction(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE calls (n int)"))
	await(t, ctx, p.Execute(ctx, "CREATE PROCEDURE record_call(v int) LANGUAGE sql AS $$ INSERT INTO calls VALUES (v) $$"))
	c := await(t, ctx, p.GetConn(ctx))
	err := p.Manage(c, func(c *pool.Conn) error {
		if _, err := c.Execute(ctx, "BEGIN").Await(ctx); err != nil {
			return err
		}
		if _, err := c.CallProc(ctx, "record_call", 7).Await(ctx); err != nil {
			return err
		}
		_, err := c.Execute(ctx, "COMMIT").Await(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("a procedure called inside a transaction: %v", err)
	}
	if n := execInt(t, ctx, p, "SELECT sum(n) FROM calls"); n != 7 {
		t.Fatalf("sum after the committed call = %d, want 7", n)
	}
}
