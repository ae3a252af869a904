package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/momoko-go/momoko/internal/pgfake"
	"github.com/momoko-go/momoko/internal/replica"
)

// wantLSN is walLSN, 16/B374D848, as a number.
const wantLSN = replica.LSN(0x16_B374D848)

// TestEngineWALAfter: a batch with WALAfter reads the WAL insert position
// behind its Sync into WAL; its own results are unchanged (the position's
// is not among them), for a statement as for a transaction.
func TestEngineWALAfter(t *testing.T) {
	f := newFixture(t)
	b := one(insert)
	b.WALAfter = true
	runOK(t, f.e, b)
	if b.WAL != wantLSN {
		t.Fatalf("WAL %v, want %v", b.WAL, wantLSN)
	}
	if len(b.Results) != 1 || b.Results[0].Tag != "INSERT 0 1" || !b.Ended {
		t.Fatalf("results %+v, Ended %v; want the INSERT's only, ended", b.Results, b.Ended)
	}
	if got, want := f.session.Received(), []string{insert, WALInsertPosition}; !slices.Equal(got, want) {
		t.Fatalf("the server ran %q, want %q", got, want)
	}

	tx := txn(insert)
	tx.WALAfter = true
	runOK(t, f.e, tx)
	if tx.WAL != wantLSN || len(tx.Results) != 3 || tx.Results[2].Tag != "COMMIT" {
		t.Fatalf("transaction: WAL %v, results %+v; want %v and BEGIN, INSERT, COMMIT", tx.WAL, tx.Results, wantLSN)
	}
	if got := f.session.Received(); got[len(got)-1] != WALInsertPosition || got[len(got)-2] != "COMMIT" {
		t.Fatalf("the server ran %q, want the position read after COMMIT", got)
	}
}

// TestEngineWALAfterNotRead: WAL stays 0 where the position is not read
// or could not be: for an Alone batch (not written behind it), and when
// the server refuses the position (a standby); the batch's own outcome is
// untouched. Behind a failed statement the position is still read: it
// has its own Sync; behind a failed transaction it is refused, and the
// transaction rolled back all the same.
func TestEngineWALAfterNotRead(t *testing.T) {
	f := newFixture(t)
	alone := one(insert)
	alone.WALAfter, alone.Alone = true, true
	runOK(t, f.e, alone)
	if alone.WAL != 0 || slices.Contains(f.session.Received(), WALInsertPosition) {
		t.Fatalf("Alone: WAL %v, the server ran %q; want no position read", alone.WAL, f.session.Received())
	}

	failed := one(divide)
	failed.WALAfter = true
	errs := run(t, f.e, failed)
	if sqlState(errs[0]) != "22012" || failed.WAL != wantLSN {
		t.Fatalf("behind a failed statement: %v, WAL %v; want 22012 and %v", errs[0], failed.WAL, wantLSN)
	}

	// A failed transaction: the position is read inside its aborted block,
	// which refuses it, and the engine rolls back after it.
	tx := txn(insert, divide)
	tx.WALAfter = true
	errs = run(t, f.e, tx)
	if sqlState(errs[0]) != "22012" || tx.WAL != 0 || f.e.TxStatus() != 'I' {
		t.Fatalf("failed transaction: %v, WAL %v, TxStatus %q; want 22012, 0, I", errs[0], tx.WAL, f.e.TxStatus())
	}
	if got := f.session.Received(); got[len(got)-1] != "ROLLBACK" || slices.Contains(got, "COMMIT") {
		t.Fatalf("the server ran %q, want a ROLLBACK at the end and no COMMIT", got)
	}

	f.sts.set(WALInsertPosition, failing("55000", "recovery is in progress"))
	b := one(selectOne)
	b.WALAfter = true
	runOK(t, f.e, b)
	if b.WAL != 0 || b.Err != nil || text(t, b.Results[0], 0, 0) != "one" {
		t.Fatalf("position refused: WAL %v, Err %v, results %+v; want 0, nil, the SELECT's", b.WAL, b.Err, b.Results)
	}
	runOK(t, f.e, one(selectOne)) // the connection goes on
}

// TestEngineBreakAfterSyncKeepsOutcome: the connection breaks while only
// the WAL position is still in flight: ReadNext fails with a *BrokenError,
// but the batch's Sync was read: Ended is set and its results and error
// stand.
func TestEngineBreakAfterSyncKeepsOutcome(t *testing.T) {
	f := newFixture(t)
	f.sts.set(WALInsertPosition, pgfake.Statement{Run: func(_ context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
		c.Cut()
		return nil, "SELECT 0", nil
	}})
	warm(t, f.e, insert)
	b := one(insert)
	b.WALAfter = true
	writeTogether(t, f.e, b)
	got, err := f.e.ReadNext()
	var broken *BrokenError
	if got != nil || !errors.As(err, &broken) {
		t.Fatalf("ReadNext = %v, %v; want nil and a *BrokenError", got, err)
	}
	if !b.Ended || b.Err != nil || len(b.Results) != 1 || b.Results[0].Tag != "INSERT 0 1" || b.WAL != 0 {
		t.Fatalf("Ended %v, Err %v, results %+v, WAL %v; want ended with the INSERT's result, no position", b.Ended, b.Err, b.Results, b.WAL)
	}
	f.e.Lose(err, err)
}
