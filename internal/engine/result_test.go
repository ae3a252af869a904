package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineOneStatement: a statement's rows, tag and fields are decoded
// into its one Result, NULL apart from an empty value; prepared on its
// first run, it is neither prepared nor described again on its second.
func TestEngineOneStatement(t *testing.T) {
	f := newFixture(t)
	const sql = "SELECT a, b FROM t"
	f.sts.set(sql, pgfake.Statement{
		Fields: []pgproto3.FieldDescription{pgfake.TextColumn("a"), pgfake.TextColumn("b")},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return [][][]byte{{[]byte("x"), nil}, {[]byte{}, []byte("y")}}, "SELECT 2", nil
		}})
	for round := range 2 {
		b := one(sql)
		runOK(t, f.e, b)
		if len(b.Results) != 1 || b.TrimTx || b.Err != nil {
			t.Fatalf("round %d: %d results, TrimTx %v, Err %v; want one result", round, len(b.Results), b.TrimTx, b.Err)
		}
		res := b.Results[0]
		if len(res.Fields) != 2 || res.Fields[0].Name != "a" || res.Fields[1].Name != "b" || res.Fields[0].DataTypeOID != 25 {
			t.Fatalf("round %d: fields %+v, want text columns a and b", round, res.Fields)
		}
		if res.Rows != 2 || res.Tag != "SELECT 2" || !res.Known || res.Types == nil {
			t.Fatalf("round %d: %d rows, tag %q (known %v), types %v; want 2 rows, SELECT 2", round, res.Rows, res.Tag, res.Known, res.Types)
		}
		if got := text(t, res, 0, 0); got != "x" {
			t.Errorf("round %d: (0, a) = %q, want x", round, got)
		}
		if v := res.Value(0, 1); v != nil {
			t.Errorf("round %d: (0, b) = %q, want NULL (nil)", round, v)
		}
		if v := res.Value(1, 0); v == nil || len(v) != 0 {
			t.Errorf("round %d: (1, a) = %#v, want an empty value that is not NULL", round, v)
		}
		if got := text(t, res, 1, 1); got != "y" {
			t.Errorf("round %d: (1, b) = %q, want y", round, got)
		}
		if b.ServerFrom.IsZero() || b.ReadAt.IsZero() {
			t.Errorf("round %d: ServerFrom %v, ReadAt %v; want both set", round, b.ServerFrom, b.ReadAt)
		}
	}
	if f.e.InFlight() || f.e.TxStatus() != 'I' {
		t.Errorf("InFlight %v, TxStatus %q; want idle", f.e.InFlight(), f.e.TxStatus())
	}
	if p, d := f.count("Prepare"), f.count("Describe"); p != 1 || d != 1 {
		t.Errorf("%d Prepares and %d Describes for two runs, want 1 of each", p, d)
	}
}

// TestEngineTransactionResults: a transaction's BEGIN, statements and
// COMMIT go out back to back with one Sync; it reads Count() results,
// BEGIN's and COMMIT's included, and sets TrimTx.
func TestEngineTransactionResults(t *testing.T) {
	f := newFixture(t)
	b := txn(insert, selectOne)
	runOK(t, f.e, b)
	if !b.TrimTx || len(b.Results) != b.count() || b.count() != 4 {
		t.Fatalf("TrimTx %v, %d results of Count() %d; want TrimTx and 4", b.TrimTx, len(b.Results), b.count())
	}
	var tags []string
	for i := range b.Results {
		tags = append(tags, b.Results[i].Tag)
	}
	if want := []string{"BEGIN", "INSERT 0 1", "SELECT 1", "COMMIT"}; !slices.Equal(tags, want) {
		t.Fatalf("tags %q, want %q", tags, want)
	}
	if got := text(t, b.Results[2], 0, 0); got != "one" {
		t.Errorf("the SELECT's value: %q, want one", got)
	}
	if got, want := f.session.Received(), []string{"BEGIN", insert, selectOne, "COMMIT"}; !slices.Equal(got, want) {
		t.Errorf("the server ran %q, want %q", got, want)
	}
	if s := f.e.TxStatus(); s != 'I' {
		t.Errorf("TxStatus %q after COMMIT, want I", s)
	}

	// Its statements are cached now: the second run is one write of
	// Binds and Executes and one Sync.
	syncs, prepares := f.count("Sync"), f.count("Prepare")
	b = txn(insert, selectOne)
	runOK(t, f.e, b)
	if n := f.count("Sync") - syncs; n != 1 {
		t.Errorf("%d Syncs for a cached transaction, want 1", n)
	}
	if n := f.count("Prepare") - prepares; n != 0 {
		t.Errorf("%d Prepares for a cached transaction, want 0", n)
	}
}

// TestEngineStatementsWithoutBegin: statements of a batch without Begin
// share its one Sync, so one implicit transaction; no TrimTx.
func TestEngineStatementsWithoutBegin(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, insert, selectOne)
	syncs := f.count("Sync")
	b := &Batch{Ctx: context.Background(), Shared: true, Stmts: []Statement{{SQL: insert}, {SQL: selectOne}}}
	runOK(t, f.e, b)
	if b.TrimTx || len(b.Results) != 2 || b.Results[0].Tag != "INSERT 0 1" || text(t, b.Results[1], 0, 0) != "one" {
		t.Fatalf("TrimTx %v, results %+v; want the INSERT's and the SELECT's", b.TrimTx, b.Results)
	}
	if n := f.count("Sync") - syncs; n != 1 {
		t.Errorf("%d Syncs for two statements of one batch, want 1", n)
	}
}

// TestEnginePing: a Ping batch is one Sync and resolves with no result.
func TestEnginePing(t *testing.T) {
	f := newFixture(t)
	before := f.count("all")
	b := &Batch{Ctx: context.Background(), Ping: true}
	ready, err := f.e.PrepareFor(b)
	if !ready || err != nil {
		t.Fatalf("PrepareFor(ping) = %v, %v; want ready", ready, err)
	}
	if err := f.e.Write(b); err != nil {
		t.Fatal(err)
	}
	if !f.e.InFlight() {
		t.Fatal("a written ping is not in flight")
	}
	if err := f.e.Flush(); err != nil {
		t.Fatal(err)
	}
	readInOrder(t, f.e, b)
	if b.Results != nil || b.Err != nil || f.e.InFlight() {
		t.Fatalf("ping: results %v, Err %v, InFlight %v; want none, nil, false", b.Results, b.Err, f.e.InFlight())
	}
	if n, syncs := f.count("all")-before, f.count("Sync"); n != 1 || syncs != 1 {
		t.Errorf("the server received %d messages (%d Syncs) for a ping, want one Sync", n, syncs)
	}
}
