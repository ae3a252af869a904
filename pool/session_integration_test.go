package pool_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// sessionWarning starts the warning of a statement that changed its
// connection's session.
const sessionWarning = "momoko: a statement through the pool changed its connection's session"

func (c *capture) count(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.recs {
		if strings.HasPrefix(r.msg, prefix) {
			n++
		}
	}
	return n
}

// Statements through the pool that leave state on their connection's
// session are counted in Stats.SessionChanges and logged once per
// statement; the state does stay for the connection's next caller.
func TestSessionChangesCountedAndWarnedOnce(t *testing.T) {
	ctx := testContext(t)
	logs := &capture{}
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1,
		SetSession: []string{"SET application_name = 'app'"}, Logger: slog.New(logs)})
	want, warnings := uint64(0), 0
	check := func(what string) {
		t.Helper()
		if got := p.Stats().SessionChanges; got != want {
			t.Errorf("after %s: %d session changes, want %d", what, got, want)
		}
		if got := logs.count(sessionWarning); got != warnings {
			t.Errorf("after %s: %d warnings, want %d", what, got, warnings)
		}
	}

	for range 3 {
		await(t, ctx, p.Execute(ctx, "SET search_path TO public"))
	}
	want, warnings = 3, 1
	check("SET three times")

	await(t, ctx, p.Execute(ctx, "SET LOCAL statement_timeout = 0"))
	await(t, ctx, p.Transaction(ctx, []pool.Statement{{SQL: "SET LOCAL statement_timeout = 0"}}))
	if _, err := p.Execute(ctx, "SET statement_timeout = 'soon'").Await(ctx); sqlState(err) != "22023" {
		t.Errorf("a bad SET: %v, want SQLSTATE 22023", err)
	}
	c := await(t, ctx, p.GetConn(ctx))
	await(t, ctx, c.Execute(ctx, "SET work_mem = '8MB'"))
	await(t, ctx, c.Execute(ctx, "RESET work_mem"))
	p.PutConn(c)
	check("SET LOCAL, a failed SET and a Conn's SET")

	await(t, ctx, p.Execute(ctx, "SELECT pg_advisory_lock(7)"))
	want, warnings = 4, 2
	check("pg_advisory_lock")
	if n := execInt(t, ctx, p, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"); n != 1 {
		t.Errorf("the next caller of the connection holds %d advisory locks, want the 1 taken before", n)
	}
	await(t, ctx, p.Execute(ctx, "SELECT pg_advisory_unlock_all()"))
	for range 2 { // once to learn what the name is, once knowing it
		await(t, ctx, p.CallProc(ctx, "pg_advisory_lock", 8))
	}
	await(t, ctx, p.Execute(ctx, "SELECT pg_advisory_unlock_all()"))
	want, warnings = 6, 3
	check("CallProc(pg_advisory_lock)")

	await(t, ctx, p.Transaction(ctx, []pool.Statement{{SQL: "SET search_path TO public"}, {SQL: "SELECT 1"}}))
	await(t, ctx, p.Replica().Execute(ctx, "SET search_path TO public"))
	await(t, ctx, p.Execute(ctx, "DISCARD TEMP"))
	want, warnings = 9, 4
	check("SET in a Transaction, through Replica, DISCARD TEMP")

	await(t, ctx, p.Execute(ctx, "RESET ALL"))
	want, warnings = 10, 5
	check("RESET ALL")
	cur := await(t, ctx, p.Execute(ctx, "SELECT current_setting('application_name') = 'app'"))
	var kept bool
	if err := cur.FetchOne(&kept); err != nil || kept {
		t.Errorf("after RESET ALL the next caller has SetSession's application_name: %v (%v), want it dropped", kept, err)
	}
	if s := p.Stats().String(); !strings.HasSuffix(s, ", 10 session changes>") {
		t.Errorf("Stats().String() = %s", s)
	}
}
