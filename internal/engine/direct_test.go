package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
)

// TestEngineRunDirect: a transaction run through pgx's own Query (what
// does not pipeline) gets one result per statement, BEGIN's and COMMIT's
// included, with TrimTx, and leaves the connection idle.
func TestEngineRunDirect(t *testing.T) {
	f := newFixture(t)
	b := txn(insert, selectOne)
	if err := f.e.RunDirect(b); err != nil {
		t.Fatal(err)
	}
	if !b.TrimTx || len(b.Results) != 4 || b.Results[1].Tag != "INSERT 0 1" || text(t, b.Results[2], 0, 0) != "one" {
		t.Fatalf("TrimTx %v, results %+v; want BEGIN, INSERT, the SELECT's row, COMMIT", b.TrimTx, b.Results)
	}
	if got, want := f.session.Received(), []string{"BEGIN", insert, selectOne, "COMMIT"}; !slices.Equal(got, want) || f.e.TxStatus() != 'I' {
		t.Fatalf("the server ran %q (TxStatus %q), want %q", got, f.e.TxStatus(), want)
	}

	e := one(echo, "direct")
	if err := f.e.RunDirect(e); err != nil || text(t, e.Results[0], 0, 0) != "direct" {
		t.Fatalf("RunDirect with an argument: %v, %+v", err, e.Results)
	}
}

// TestEngineRunDirectRollsBack: a statement of a transaction run through
// pgx fails, with the server's error or with ErrResultTooLarge: the
// engine rolls back, and COMMIT never runs.
func TestEngineRunDirectRollsBack(t *testing.T) {
	f := newFixture(t)
	b := txn(insert, divide, selectTwo)
	if err := f.e.RunDirect(b); sqlState(err) != "22012" {
		t.Fatalf("RunDirect: %v, want 22012", err)
	}
	if len(b.Results) != 2 || f.e.TxStatus() != 'I' {
		t.Fatalf("%d results, TxStatus %q; want BEGIN's and INSERT's, rolled back", len(b.Results), f.e.TxStatus())
	}
	if got, want := f.session.Received(), []string{"BEGIN", insert, divide, "ROLLBACK"}; !slices.Equal(got, want) {
		t.Fatalf("the server ran %q, want %q", got, want)
	}

	lowerMaxResultBytes(t, 8)
	f.sts.set("SELECT big", texts("aaaa", "bbbb", "cccc"))
	b = txn("SELECT big", insert)
	if err := f.e.RunDirect(b); !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("RunDirect: %v, want ErrResultTooLarge", err)
	}
	got := f.session.Received()
	if want := []string{"BEGIN", "SELECT big", "ROLLBACK"}; !slices.Equal(got[len(got)-3:], want) || f.e.TxStatus() != 'I' {
		t.Fatalf("the server ran %q (TxStatus %q), want it to end with %q", got, f.e.TxStatus(), want)
	}
}

// TestEngineRunDirectCancelled: a batch whose context has ended is not
// run: RunDirect returns the context's error and sends nothing.
func TestEngineRunDirectCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := one(selectOne)
	b.Ctx = ctx
	if err := f.e.RunDirect(b); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunDirect: %v, want context.Canceled", err)
	}
	roundTrip(t, f.e)
	if n := f.count("all"); n != 1 {
		t.Fatalf("the server received %d messages, want only the round trip's Sync", n)
	}
}

// TestEngineRunRawPanic: a panic in the function RunRaw runs becomes a
// *future.PanicError with the value; the connection goes on.
func TestEngineRunRawPanic(t *testing.T) {
	f := newFixture(t)
	err := f.e.RunRaw(func(*pgx.Conn) error { panic("boom") })
	var pe *future.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("RunRaw: %v, want a *future.PanicError of boom with its stack", err)
	}
	var seen *pgx.Conn
	if err := f.e.RunRaw(func(c *pgx.Conn) error { seen = c; return nil }); err != nil || seen != f.e.Conn() {
		t.Fatalf("RunRaw: %v, given %p; want nil and the engine's connection", err, seen)
	}
	runOK(t, f.e, one(selectOne))
}
