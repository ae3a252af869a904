package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/pgfake"
)

// TestEngineRefusedWriteNeverSent: the server closed the connection while
// it was idle; the next write is refused before a byte of it leaves the
// client: Flush fails with a *BrokenError and NeverSent reports the batch,
// which may run elsewhere. Lose then forgets it.
func TestEngineRefusedWriteNeverSent(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, insert)
	f.session.Cut()
	<-f.session.Gone()
	b := one(insert)
	if ready, err := f.e.PrepareFor(b); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	if err := f.e.Write(b); err != nil {
		t.Fatal(err)
	}
	err := f.e.Flush()
	var broken *BrokenError
	if !errors.As(err, &broken) {
		t.Fatalf("Flush on a closed connection: %v, want a *BrokenError", err)
	}
	if !f.e.NeverSent(b) {
		t.Fatal("NeverSent is false for a batch whose write was refused whole")
	}
	if !f.e.InFlight() {
		t.Fatal("the refused batch is no longer in flight before Lose")
	}
	f.e.Lose(err, err)
	if f.e.InFlight() || f.e.NeverSent(b) {
		t.Fatalf("after Lose: InFlight %v, NeverSent %v; want both false", f.e.InFlight(), f.e.NeverSent(b))
	}
}

// TestEngineCutAfterWrite: the server received the batch, then the
// connection broke: Flush succeeded, NeverSent is false (it may have run),
// and ReadNext fails with a *BrokenError.
func TestEngineCutAfterWrite(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, insert)
	executes := f.count("Execute")
	f.onMessage(func(c *pgfake.Conn, m pgproto3.FrontendMessage) {
		if _, ok := m.(*pgproto3.Execute); ok {
			c.Cut()
		}
	})
	b := one(insert)
	writeTogether(t, f.e, b)
	if f.e.NeverSent(b) {
		t.Fatal("NeverSent after a successful Flush")
	}
	got, err := f.e.ReadNext()
	var broken *BrokenError
	if got != nil || !errors.As(err, &broken) {
		t.Fatalf("ReadNext = %v, %v; want nil and a *BrokenError", got, err)
	}
	if f.e.NeverSent(b) {
		t.Error("NeverSent after the server received the batch")
	}
	if n := f.count("Execute") - executes; n != 1 {
		t.Errorf("the server received %d Executes, want 1", n)
	}
	f.e.Lose(err, err)
	if f.e.InFlight() {
		t.Error("in flight after Lose")
	}
}

// TestEngineCutBetweenTwoResults: of batches written together, the one
// whose answer arrived before the cut is resolved with its results; the
// next ReadNext fails with a *BrokenError for the others, which were sent.
func TestEngineCutBetweenTwoResults(t *testing.T) {
	f := newFixture(t)
	const cutter = "SELECT cut"
	var cut atomic.Bool
	f.sts.set(cutter, pgfake.Statement{Fields: []pgproto3.FieldDescription{pgfake.TextColumn("v")},
		Run: func(_ context.Context, c *pgfake.Conn, _ [][]byte) ([][][]byte, string, error) {
			if cut.Load() {
				c.Cut()
			}
			return [][][]byte{pgfake.Row("not cut")}, "SELECT 1", nil
		}})
	warm(t, f.e, selectOne, cutter, selectTwo)
	cut.Store(true)
	a, b, c := one(selectOne), one(cutter), one(selectTwo)
	writeTogether(t, f.e, a, b, c)
	readInOrder(t, f.e, a)
	if a.Err != nil || text(t, a.Results[0], 0, 0) != "one" {
		t.Fatalf("the batch answered before the cut: Err %v, results %+v", a.Err, a.Results)
	}
	got, err := f.e.ReadNext()
	var broken *BrokenError
	if got != nil || !errors.As(err, &broken) {
		t.Fatalf("ReadNext after the cut = %v, %v; want nil and a *BrokenError", got, err)
	}
	if f.e.NeverSent(b) || f.e.NeverSent(c) {
		t.Error("NeverSent for batches the server received")
	}
	if len(b.Results) != 0 || b.Err != nil {
		t.Errorf("the cut batch: results %+v, Err %v; want neither (the break is ReadNext's error)", b.Results, b.Err)
	}
	f.e.Lose(err, err)
	if f.e.InFlight() {
		t.Error("in flight after Lose")
	}
}

// TestEngineFatalErrorBreaks: a FATAL error (the server terminating the
// session) is no statement error: ReadNext fails with a *BrokenError that
// holds the server's error and its SQLSTATE.
func TestEngineFatalErrorBreaks(t *testing.T) {
	f := newFixture(t)
	const terminated = "SELECT terminated"
	f.sts.set(terminated, pgfake.Statement{Run: func(context.Context, *pgfake.Conn, [][]byte) ([][][]byte, string, error) {
		return nil, "", pgfake.Fatal("57P01", "terminating connection due to administrator command")
	}})
	warm(t, f.e, selectOne)
	a, b := one(terminated), one(selectOne)
	errs := run(t, f.e, a, b)
	var broken *BrokenError
	if !errors.As(errs[0], &broken) || sqlState(errs[0]) != "57P01" {
		t.Fatalf("the terminated statement: %v, want a *BrokenError with SQLSTATE 57P01", errs[0])
	}
	if a.Err != nil {
		t.Errorf("the batch's Err %v, want nil: the break is ReadNext's", a.Err)
	}
	if !f.e.Conn().PgConn().IsClosed() {
		t.Error("the connection is open after a FATAL error")
	}
	// Written together with it once its Prepare was answered, the batch
	// behind it is lost with the connection.
	if !errors.As(errs[1], &broken) {
		t.Errorf("the batch behind it: %v, want the *BrokenError", errs[1])
	}
}
