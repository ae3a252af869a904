package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// lowerMaxResultBytes sets MaxResultBytes to n for the test. No test here
// runs in parallel, so none reads the variable meanwhile.
func lowerMaxResultBytes(t *testing.T, n int) {
	before := MaxResultBytes
	MaxResultBytes = n
	t.Cleanup(func() { MaxResultBytes = before })
}

// TestEngineResultTooLarge: a result whose values take more than
// MaxResultBytes fails its statement with ErrResultTooLarge, with no
// result; the rest of its rows are read and dropped, so the batches
// pipelined behind it get their own results and the connection goes on.
// A result of exactly MaxResultBytes fits; NULLs take no bytes.
func TestEngineResultTooLarge(t *testing.T) {
	f := newFixture(t)
	lowerMaxResultBytes(t, 8)
	const big, fits = "SELECT big", "SELECT fits"
	f.sts.set(big, texts("aaaa", "bbbb", "cccc", "dddd"))
	f.sts.set(fits, pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
			return [][][]byte{{[]byte("aaaa")}, {nil}, {[]byte("bbbb")}, {nil}}, "SELECT 4", nil
		}})
	warm(t, f.e, fits, selectOne)
	for round := range 2 {
		a, b, c := one(big), one(fits), one(selectOne)
		errs := run(t, f.e, a, b, c)
		if !errors.Is(errs[0], ErrResultTooLarge) || len(a.Results) != 0 {
			t.Fatalf("round %d: %v, %d results; want ErrResultTooLarge, none", round, errs[0], len(a.Results))
		}
		if errs[1] != nil || b.Results[0].Rows != 4 || text(t, b.Results[0], 2, 0) != "bbbb" || b.Results[0].Value(3, 0) != nil {
			t.Fatalf("round %d: the result of exactly 8 bytes: %v, %+v", round, errs[1], b.Results)
		}
		if errs[2] != nil || text(t, c.Results[0], 0, 0) != "one" {
			t.Fatalf("round %d: the batch behind: %v, %+v", round, errs[2], c.Results)
		}
	}
	if f.e.InFlight() || f.e.TxStatus() != 'I' {
		t.Fatalf("InFlight %v, TxStatus %q; want idle", f.e.InFlight(), f.e.TxStatus())
	}
}

// TestEngineQueryDirectTooLarge: a result too large read through pgx's
// own Query fails with ErrResultTooLarge too, and pgx's connection goes
// on.
func TestEngineQueryDirectTooLarge(t *testing.T) {
	f := newFixture(t)
	lowerMaxResultBytes(t, 8)
	const big = "SELECT big"
	f.sts.set(big, texts("aaaa", "bbbb", "cccc"))
	var res Result
	if err := QueryDirect(context.Background(), f.e.Conn(), f.e.cfg.Types, big, nil, &res); !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("QueryDirect: %v, want ErrResultTooLarge", err)
	}
	if f.e.Conn().PgConn().IsClosed() || f.e.TxStatus() != 'I' {
		t.Fatal("the connection did not go on")
	}
	b := one(selectOne)
	runOK(t, f.e, b)
	if text(t, b.Results[0], 0, 0) != "one" {
		t.Fatalf("results %+v", b.Results)
	}
}
