package engine

import (
	"context"
	"testing"
)

// TestEnginePipelinedBatchesInOrder: four batches written and flushed in
// one write are all in flight at once; ReadNext returns them in the order
// written, each with its own results.
func TestEnginePipelinedBatchesInOrder(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, selectOne, selectTwo)
	runOK(t, f.e, one(echo, "warm"))
	syncs := f.count("Sync")
	a, b, c, d := one(selectOne), one(echo, "x"), one(selectTwo), one(echo, "y")
	writeTogether(t, f.e, a, b, c, d)
	if !f.e.InFlight() {
		t.Fatal("nothing in flight after the write")
	}
	for _, b := range []*Batch{a, b, c, d} {
		if f.e.NeverSent(b) {
			t.Fatalf("%q: NeverSent after a successful Flush", nameOf(b))
		}
	}
	readInOrder(t, f.e, a, b, c, d)
	if f.e.InFlight() {
		t.Fatal("still in flight after the four were read")
	}
	for _, c := range []struct {
		b    *Batch
		want string
	}{{a, "one"}, {b, "x"}, {c, "two"}, {d, "y"}} {
		if c.b.Err != nil || len(c.b.Results) != 1 {
			t.Fatalf("%q: Err %v, %d results; want one result", nameOf(c.b), c.b.Err, len(c.b.Results))
		}
		if got := text(t, c.b.Results[0], 0, 0); got != c.want {
			t.Errorf("%q: %q, want %q", nameOf(c.b), got, c.want)
		}
	}
	if n := f.count("Sync") - syncs; n != 4 {
		t.Errorf("%d Syncs for four batches, want one each", n)
	}
}

// TestEngineErrorInTheMiddleOfAPipeline: of batches pipelined, the one
// whose statement fails gets the server's error and no result; each
// batch has its own Sync, so the batches before and after it, a Ping
// included, get their own outcome. The failed statement is prepared
// again when next used, its old one closed.
func TestEngineErrorInTheMiddleOfAPipeline(t *testing.T) {
	f := newFixture(t)
	const maybe = "SELECT maybe"
	st, fail := failsOnCue("22012")
	f.sts.set(maybe, st)
	warm(t, f.e, selectOne, maybe, selectTwo)
	fail.Store(true)
	a, bad, c := one(selectOne), one(maybe), one(selectTwo)
	ping := &Batch{Ctx: context.Background(), Ping: true}
	writeTogether(t, f.e, a, bad, c, ping)
	readInOrder(t, f.e, a, bad, c, ping)
	if a.Err != nil || text(t, a.Results[0], 0, 0) != "one" {
		t.Errorf("before the error: Err %v, results %+v", a.Err, a.Results)
	}
	if code := sqlState(bad.Err); code != "22012" || len(bad.Results) != 0 {
		t.Errorf("the failing batch: Err %v (SQLSTATE %q), %d results; want 22012 and none", bad.Err, code, len(bad.Results))
	}
	if c.Err != nil || text(t, c.Results[0], 0, 0) != "two" {
		t.Errorf("after the error: Err %v, results %+v", c.Err, c.Results)
	}
	if ping.Err != nil {
		t.Errorf("the ping after the error: %v", ping.Err)
	}
	if s := f.e.TxStatus(); s != 'I' {
		t.Errorf("TxStatus %q, want I", s)
	}

	fail.Store(false)
	prepares, closes := f.count("Prepare"), f.count("Close")
	again := one(maybe)
	runOK(t, f.e, again)
	if text(t, again.Results[0], 0, 0) != "ok" {
		t.Errorf("the statement run again: %+v", again.Results)
	}
	if p, c := f.count("Prepare")-prepares, f.count("Close")-closes; p != 1 || c != 1 {
		t.Errorf("after its error the statement was prepared %d times and closed %d times, want once each", p, c)
	}
}

// TestEngineResultsBuffered: answers the server held and then delivered
// in one piece are read without waiting; ResultsBuffered tells whether
// one waits in the buffer, and counts nothing written but not flushed:
// a batch written behind buffered answers is read only once flushed.
func TestEngineResultsBuffered(t *testing.T) {
	f := newFixture(t)
	warm(t, f.e, selectOne, selectTwo)
	if f.e.ResultsBuffered() {
		t.Fatal("ResultsBuffered with nothing in flight")
	}
	f.session.Hold()
	a, b := one(selectOne), one(selectTwo)
	writeTogether(t, f.e, a, b)
	waitFor(t, "the server to answer both batches", func() bool { return f.session.Held() == 2 })
	if f.e.ResultsBuffered() {
		t.Fatal("ResultsBuffered while the answers are held on the server")
	}
	f.session.Release()
	readInOrder(t, f.e, a)
	if !f.e.ResultsBuffered() {
		t.Fatal("b's answer came in the same read as a's, yet ResultsBuffered is false")
	}
	// Written, not flushed: the owner must not do this, and the engine
	// does not count it as buffered.
	c := one(selectOne)
	if ready, err := f.e.PrepareFor(c); !ready || err != nil {
		t.Fatalf("PrepareFor = %v, %v", ready, err)
	}
	if err := f.e.Write(c); err != nil {
		t.Fatal(err)
	}
	if !f.e.NeverSent(c) {
		t.Error("a batch written but not flushed: NeverSent is false")
	}
	readInOrder(t, f.e, b)
	if f.e.ResultsBuffered() {
		t.Fatal("ResultsBuffered after the last flushed answer was read, with only an unflushed batch in flight")
	}
	if !f.e.InFlight() {
		t.Fatal("the unflushed batch is not in flight")
	}
	if err := f.e.Flush(); err != nil {
		t.Fatal(err)
	}
	readInOrder(t, f.e, c)
	for _, c := range []struct {
		b    *Batch
		want string
	}{{a, "one"}, {b, "two"}, {c, "one"}} {
		if c.b.Err != nil || text(t, c.b.Results[0], 0, 0) != c.want {
			t.Errorf("%q: Err %v, results %+v; want %q", nameOf(c.b), c.b.Err, c.b.Results, c.want)
		}
	}
}
