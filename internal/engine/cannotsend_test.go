package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/momoko-go/momoko/internal/pgfake"
)

// sentNothing checks that nothing was written since the server had
// received before messages: a round trip after, which is one Sync, is all
// it received since.
func (f *fixture) sentNothing(t *testing.T, before int) {
	t.Helper()
	if f.e.InFlight() {
		t.Fatal("in flight after a batch that could not be sent")
	}
	roundTrip(t, f.e)
	if n := f.count("all") - before; n != 1 {
		t.Fatalf("the server received %d messages, want only the round trip's Sync", n)
	}
}

// TestEngineParameterLimit: 65,535 arguments go out; 65,536 cannot be put
// into a Bind: Write refuses them with ErrCannotSend before anything is
// written, and the connection serves the next batch.
func TestEngineParameterLimit(t *testing.T) {
	f := newFixture(t)
	const many = "SELECT many"
	params := make([]uint32, math.MaxUint16)
	for i := range params {
		params[i] = 25
	}
	f.sts.set(many, pgfake.Statement{Params: params, Run: tagged("SELECT 0")})
	args := make([]any, math.MaxUint16+1)
	for i := range args {
		args[i] = "v"
	}
	runOK(t, f.e, one(many, args[:math.MaxUint16]...))

	before := f.count("all")
	b := one(many, args...)
	if ready, err := f.e.PrepareFor(b); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v; want ready: the statement is cached", ready, err)
	}
	err := f.e.Write(b)
	if !errors.Is(err, ErrCannotSend) || !strings.Contains(err.Error(), "65536") {
		t.Fatalf("Write with 65,536 arguments: %v, want ErrCannotSend naming the count", err)
	}
	if err := f.e.Flush(); err != nil {
		t.Fatal(err)
	}
	f.sentNothing(t, before)
	runOK(t, f.e, one(many, args[:math.MaxUint16]...))
}

// TestEngineNULInSQL: SQL text with a NUL byte would reach the server cut
// short: PrepareFor refuses it with ErrCannotSend, alone or in a
// transaction, before anything is written.
func TestEngineNULInSQL(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, selectOne)
	for _, b := range []*Batch{one("SELECT 'a\x00'; DROP TABLE t"), txn(insert, "SELECT 1\x00")} {
		before := f.count("all")
		ready, err := f.e.PrepareFor(b)
		if ready || !errors.Is(err, ErrCannotSend) || !strings.Contains(err.Error(), "NUL") {
			t.Fatalf("PrepareFor(%q) = %v, %v; want ErrCannotSend for the NUL byte", b.Stmts[len(b.Stmts)-1].SQL, ready, err)
		}
		if err := f.e.Flush(); err != nil {
			t.Fatal(err)
		}
		f.sentNothing(t, before)
	}
	runOK(t, f.e, one(selectOne))
}

// TestEngineWrongArgumentCount: arguments that do not match a prepared
// statement's parameters fail Write with an error that says so; nothing of
// the batch, nor of a transaction holding it, is written, and the
// statement stays cached.
func TestEngineWrongArgumentCount(t *testing.T) {
	f := newFixture(t)
	runOK(t, f.e, one(echo, "warm"), txn(insert))
	const want = "momoko: expected 1 arguments, got 2"

	before := f.count("all")
	b := one(echo, "a", "b")
	if ready, err := f.e.PrepareFor(b); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	if err := f.e.Write(b); err == nil || err.Error() != want {
		t.Fatalf("Write: %v, want %q", err, want)
	}
	f.sentNothing(t, before)

	before = f.count("all")
	tx := &Batch{Ctx: context.Background(), Shared: true, Begin: "BEGIN",
		Stmts: []Statement{{SQL: insert}, {SQL: echo, Args: []any{"a", "b"}}}}
	if ready, err := f.e.PrepareFor(tx); !ready || err != nil {
		t.Fatalf("PrepareFor(transaction) = %v, %v", ready, err)
	}
	if err := f.e.Write(tx); err == nil || err.Error() != "statement 1: "+want {
		t.Fatalf("Write(transaction): %v, want %q", err, "statement 1: "+want)
	}
	f.sentNothing(t, before)

	prepares := f.count("Prepare")
	c := one(echo, "c")
	runOK(t, f.e, c)
	if text(t, c.Results[0], 0, 0) != "c" || f.count("Prepare") != prepares {
		t.Fatalf("results %+v, %d Prepares; want c, from the cached statement", c.Results, f.count("Prepare")-prepares)
	}
}

// TestEnginePrepareAgainAfterTypeChange: an argument that no longer
// encodes for a cached statement's parameter type (int4, where the column
// became bigint) sends the batch back to PrepareFor (ErrPrepareAgain),
// invisibly: prepared again, it encodes and runs. Where the fresh
// description does not help either, the batch fails with the encoding
// error after one more Prepare.
func TestEnginePrepareAgainAfterTypeChange(t *testing.T) {
	f := newFixture(t)
	const update = "UPDATE t SET n = $1"
	const int4, int8 = 23, 20
	f.sts.set(update, pgfake.Statement{Params: []uint32{int4}, Run: tagged("UPDATE 1")})
	runOK(t, f.e, one(update, int64(1)))
	f.sts.set(update, pgfake.Statement{Params: []uint32{int8}, Run: tagged("UPDATE 1")})

	prepares, closes := f.count("Prepare"), f.count("Close")
	b := one(update, int64(1)<<40)
	if ready, err := f.e.PrepareFor(b); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	if err := f.e.Write(b); !errors.Is(err, ErrPrepareAgain) {
		t.Fatalf("Write of 2^40 for an int4 parameter: %v, want ErrPrepareAgain", err)
	}
	runOK(t, f.e, b)
	if len(b.Results) != 1 || b.Results[0].Tag != "UPDATE 1" {
		t.Fatalf("results %+v, want UPDATE 1", b.Results)
	}
	if p, c := f.count("Prepare")-prepares, f.count("Close")-closes; p != 1 || c != 1 {
		t.Errorf("%d Prepares, %d Closes; want the statement prepared again, the old one closed", p, c)
	}

	// A statement whose parameter is int4 on the server too: no Prepare
	// cures the argument.
	const other = "UPDATE t SET m = $1"
	f.sts.set(other, pgfake.Statement{Params: []uint32{int4}, Run: tagged("UPDATE 1")})
	runOK(t, f.e, one(other, int64(1)))
	prepares = f.count("Prepare")
	b = one(other, int64(1)<<40)
	err := run(t, f.e, b)[0]
	if err == nil || errors.Is(err, ErrPrepareAgain) || !strings.Contains(err.Error(), "int4") {
		t.Fatalf("2^40 for int4 after a fresh Prepare: %v, want the encoding error", err)
	}
	if n := f.count("Prepare") - prepares; n != 1 {
		t.Errorf("prepared %d times, want once more and no loop", n)
	}
}

// panicky is an argument whose Value method panics.
type panicky struct{}

func (panicky) Value() (driver.Value, error) { panic("no value") }

// TestEngineArgumentPanics: an argument whose Value method panics fails
// Write with an error, nothing written; the engine's goroutine goes on.
func TestEngineArgumentPanics(t *testing.T) {
	f := newFixture(t)
	runOK(t, f.e, one(echo, "warm"))
	before := f.count("all")
	b := one(echo, panicky{})
	if ready, err := f.e.PrepareFor(b); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	err := f.e.Write(b)
	if err == nil || errors.Is(err, ErrPrepareAgain) || !strings.Contains(err.Error(), "panicked: no value") {
		t.Fatalf("Write: %v, want the panic as an error", err)
	}
	f.sentNothing(t, before)
	runOK(t, f.e, one(echo, "after"))
}
