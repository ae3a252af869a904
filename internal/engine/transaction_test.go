package engine

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineErrorInATransactionRollsBack: a statement of a transaction
// fails: the server skips the rest, COMMIT included; the engine rolls back
// at the Sync, so the connection is idle again, and the batch's Err is
// that first error, its results those read before it.
func TestEngineErrorInATransactionRollsBack(t *testing.T) {
	f := newFixture(t)
	const maybe = "SELECT maybe"
	st, fail := failsOnCue("23505")
	f.sts.set(maybe, st)
	fail.Store(true)
	b := txn(insert, maybe, selectTwo, divide)
	errs := run(t, f.e, b)
	if code := sqlState(errs[0]); code != "23505" || errs[0] != b.Err {
		t.Fatalf("Err %v (SQLSTATE %q), want the first error, 23505", errs[0], code)
	}
	var tags []string
	for i := range b.Results {
		tags = append(tags, b.Results[i].Tag)
	}
	if want := []string{"BEGIN", "INSERT 0 1"}; !slices.Equal(tags, want) || !b.TrimTx {
		t.Fatalf("results %q (TrimTx %v), want %q: those read before the error", tags, b.TrimTx, want)
	}
	if s := f.e.TxStatus(); s != 'I' || f.e.InFlight() {
		t.Fatalf("TxStatus %q, InFlight %v after the failed transaction; want I, rolled back", s, f.e.InFlight())
	}
	if got, want := f.session.Received(), []string{"BEGIN", insert, maybe, "ROLLBACK"}; !slices.Equal(got, want) {
		t.Errorf("the server ran %q, want %q", got, want)
	}
	if n := f.count("Query"); n != 1 {
		t.Errorf("%d simple queries, want the one ROLLBACK", n)
	}

	// The connection serves the next transaction.
	fail.Store(false)
	next := txn(maybe)
	runOK(t, f.e, next)
	if len(next.Results) != 3 || text(t, next.Results[1], 0, 0) != "ok" || f.e.TxStatus() != 'I' {
		t.Fatalf("the next transaction: %+v, TxStatus %q", next.Results, f.e.TxStatus())
	}
}

// TestEngineTransactionAfterDDLUnprepared: in a transaction, the
// statements after one that may change the schema, COMMIT included, are
// sent unprepared (prepared ahead of BEGIN they would be described as the
// schema was); those before it are prepared.
func TestEngineTransactionAfterDDLUnprepared(t *testing.T) {
	f := newFixture(t)
	const alter, star = "ALTER TABLE t ADD COLUMN c int", "SELECT * FROM t"
	f.sts.set(alter, pgfake.Statement{Run: tagged("ALTER TABLE")})
	f.sts.set(star, texts("row"))
	var named, unnamed []string
	f.onMessage(func(_ *pgfake.Conn, m pgproto3.FrontendMessage) {
		if p, ok := m.(*pgproto3.Parse); ok && p.Name == "" {
			unnamed = append(unnamed, p.Query)
		} else if ok {
			named = append(named, p.Query)
		}
	})
	b := txn(insert, alter, star)
	runOK(t, f.e, b)
	f.onMessage(nil)
	if len(b.Results) != 5 || text(t, b.Results[3], 0, 0) != "row" {
		t.Fatalf("results %+v, want BEGIN, INSERT, ALTER, the SELECT's row, COMMIT", b.Results)
	}
	slices.Sort(named)
	if want := []string{alter, "BEGIN", insert}; !slices.Equal(named, want) {
		t.Errorf("prepared %q, want %q", named, want)
	}
	if want := []string{star, "COMMIT"}; !slices.Equal(unnamed, want) {
		t.Errorf("sent unprepared %q, want %q", unnamed, want)
	}
}

// TestEngineLargeTransactionUnprepared: a transaction that lacks more
// statements than half the cache holds goes unprepared whole (preparing
// them all would evict the first before the last is ready), and answers.
func TestEngineLargeTransactionUnprepared(t *testing.T) {
	f := newFixture(t)
	var sqls []string
	for i := range 300 {
		sql := fmt.Sprintf("SELECT %d", i)
		f.sts.set(sql, texts(fmt.Sprint(i)))
		sqls = append(sqls, sql)
	}
	b := txn(sqls...)
	runOK(t, f.e, b)
	if len(b.Results) != 302 || text(t, b.Results[300], 0, 0) != "299" || b.Results[301].Tag != "COMMIT" {
		t.Fatalf("%d results, want 302 ending with SELECT 299's and COMMIT's", len(b.Results))
	}
	if p, u, s := f.count("Prepare"), f.count("Parse"), f.count("Sync"); p != 0 || u != 302 || s != 1 {
		t.Errorf("%d Prepares, %d unnamed Parses, %d Syncs; want 0, 302, 1", p, u, s)
	}
}
