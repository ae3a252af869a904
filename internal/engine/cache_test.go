package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/internal/stmtcache"
)

// TestEngineCacheEviction: past stmtcache.Size distinct statements the
// oldest are evicted, and each goes out as a Close with the next write:
// the server keeps Size of the engine's statements. An evicted statement
// used again is prepared again and answers.
func TestEngineCacheEviction(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.cfg.StatementPrefix = "e_" })
	const extra = 8
	var closed []string
	f.onMessage(func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if c, ok := m.(*pgproto3.Close); ok {
			closed = append(closed, c.Name)
		}
	})
	for i := range stmtcache.Size + extra {
		sql := fmt.Sprintf("SELECT %d", i)
		f.sts.set(sql, texts(fmt.Sprint(i)))
		b := one(sql)
		runOK(t, f.e, b)
		if got := text(t, b.Results[0], 0, 0); got != fmt.Sprint(i) {
			t.Fatalf("statement %d answered %q", i, got)
		}
	}
	f.onMessage(nil)
	var want []string
	for i := range extra {
		want = append(want, fmt.Sprintf("e_%d", i+1))
	}
	if !slices.Equal(closed, want) {
		t.Fatalf("closed %q, want the %d oldest, %q", closed, extra, want)
	}
	prepared := f.session.Prepared()
	if len(prepared) != stmtcache.Size || slices.Contains(prepared, "e_1") {
		t.Fatalf("%d statements prepared on the server (e_1 among them: %v), want %d", len(prepared), slices.Contains(prepared, "e_1"), stmtcache.Size)
	}

	prepares := f.count("Prepare")
	b := one("SELECT 0")
	runOK(t, f.e, b)
	if text(t, b.Results[0], 0, 0) != "0" || f.count("Prepare") != prepares+1 {
		t.Fatalf("the evicted statement: results %+v, %d Prepares; want 0, prepared again", b.Results, f.count("Prepare")-prepares)
	}
	roundTrip(t, f.e) // its Prepare evicted another: closed with this write
	if n := len(f.session.Prepared()); n != stmtcache.Size {
		t.Errorf("%d statements on the server, want %d", n, stmtcache.Size)
	}
}

// TestEngineTransactionLargerThanTheCache: a transaction with more distinct
// statements than half the cache goes unprepared even when most of them
// are cached: preparing the few it lacks evicted others of its own, and it
// waited for Prepares round after round.
func TestEngineTransactionLargerThanTheCache(t *testing.T) {
	f := newFixture(t)
	var sqls []string
	for i := range stmtcache.Size + 1 {
		sql := fmt.Sprintf("SELECT %d", i)
		f.sts.set(sql, texts(fmt.Sprint(i)))
		sqls = append(sqls, sql)
	}
	for _, sql := range sqls[1:] {
		runOK(t, f.e, one(sql))
	}
	prepares := f.count("Prepare")
	b := txn(sqls...)
	runOK(t, f.e, b)
	if n := f.count("Prepare") - prepares; n != 0 {
		t.Errorf("%d Prepares for the transaction, want none", n)
	}
	if len(b.Results) != len(sqls)+2 || text(t, b.Results[len(sqls)], 0, 0) != fmt.Sprint(stmtcache.Size) {
		t.Fatalf("%d results, want %d, the last statement's answering %d", len(b.Results), len(sqls)+2, stmtcache.Size)
	}
}
