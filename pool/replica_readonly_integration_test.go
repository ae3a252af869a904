package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// writerFunctions makes a function and a procedure that insert into items.
func writerFunctions(t *testing.T, ctx context.Context, p *pool.Pool) {
	t.Helper()
	await(t, ctx, p.Execute(ctx, `CREATE FUNCTION add_item(id bigint) RETURNS bigint LANGUAGE sql
		AS 'INSERT INTO items VALUES (id, ''by function'') RETURNING id'`))
	await(t, ctx, p.Execute(ctx, `CREATE PROCEDURE put_item(id bigint) LANGUAGE sql
		AS 'INSERT INTO items VALUES (id, ''by procedure'')'`))
}

// readOnlyOnPrimary checks that reads through r, which end on the
// primary, cannot write there and still read.
func readOnlyOnPrimary(t *testing.T, ctx context.Context, p *pool.Pool, r *pool.Replica) {
	t.Helper()
	const readOnly = pgerrcode.ReadOnlySQLTransaction
	_, err := r.Execute(ctx, "INSERT INTO items VALUES (100, 'x')").Await(ctx)
	if sqlState(err) != readOnly {
		t.Errorf("INSERT through Replica: %v, want SQLSTATE %s", err, readOnly)
	}
	// Twice each: the first call learns what the name is, the next ones
	// know it.
	for range 2 {
		_, err = r.CallProc(ctx, "add_item", 101).Await(ctx)
		if sqlState(err) != readOnly {
			t.Errorf("CallProc of a writing function through Replica: %v, want SQLSTATE %s", err, readOnly)
		}
		_, err = r.CallProc(ctx, "put_item", 102).Await(ctx)
		if sqlState(err) != readOnly {
			t.Errorf("CallProc of a writing procedure through Replica: %v, want SQLSTATE %s", err, readOnly)
		}
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM items WHERE id >= 100"); n != 0 {
		t.Errorf("%d rows written through Replica", n)
	}
	var ro string
	cur := await(t, ctx, r.Execute(ctx, "SHOW transaction_read_only"))
	if err := cur.FetchOne(&ro); err != nil || ro != "on" {
		t.Errorf("a read's transaction_read_only = %q (%v), want on", ro, err)
	}
	cur = await(t, ctx, r.Execute(ctx, "SELECT id FROM items WHERE id = $1", 1))
	rows := cur.Len()
	var id int64
	if err := cur.FetchOne(&id); err != nil || id != 1 || rows != 1 {
		t.Errorf("SELECT through Replica: %d rows, id %d, %v; want the one row", rows, id, err)
	}
	if n := execInt(t, ctx, p, "SELECT count(*) FROM items"); n != 1 {
		t.Errorf("%d rows after the reads, want the 1 written before", n)
	}
}

// Without standbys, Replica's reads run on the primary, read only.
func TestReplicaWithoutStandbysCannotWrite(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 2})
	await(t, ctx, p.Execute(ctx, "CREATE TABLE items (id bigint PRIMARY KEY, note text)"))
	await(t, ctx, p.Execute(ctx, "INSERT INTO items VALUES (1, 'first')"))
	writerFunctions(t, ctx, p)
	readOnlyOnPrimary(t, ctx, p, p.Replica())
	w := p.ReadYourWrites()
	await(t, ctx, w.Execute(ctx, "UPDATE items SET note = 'seen' WHERE id = 1"))
	readOnlyOnPrimary(t, ctx, p, w.Replica())
}

// With its only standby down, Replica's reads fall back to the primary,
// read only, and so do ReadYourWrites' reads.
func TestReplicaFallbackToPrimaryCannotWrite(t *testing.T) {
	ctx := testContext(t)
	rs := newReplicated(t, ctx, 1)
	p := openPool(t, ctx, rs.primaryDSN(), pool.Options{Size: 1, MaxSize: 2, Replicas: pool.ReplicaOptions{
		Standbys: rs.standbyDSNs(), CheckPeriod: 50 * time.Millisecond, FallbackToPrimary: true,
	}})
	await(t, ctx, p.Execute(ctx, "INSERT INTO items VALUES (1, 'first')"))
	writerFunctions(t, ctx, p)
	waitUsable(t, p, true)
	if err := rs.standbys[0].Stop(ctx, pgtest.ShutdownFast); err != nil {
		t.Fatal(err)
	}
	waitUsable(t, p, false)
	onPrimary := p.Stats().ReadsOnPrimary
	readOnlyOnPrimary(t, ctx, p, p.Replica())
	if port, err := readPort(ctx, p.Replica()); err != nil || port != portOf(t, rs.primary.Addr()) {
		t.Errorf("a read with the standby down ran on port %d (%v), want the primary's", port, err)
	}
	w := p.ReadYourWrites()
	await(t, ctx, w.Execute(ctx, "UPDATE items SET note = 'seen' WHERE id = 1"))
	readOnlyOnPrimary(t, ctx, p, w.Replica())
	t.Logf("%d reads on the primary", p.Stats().ReadsOnPrimary-onPrimary)
}
