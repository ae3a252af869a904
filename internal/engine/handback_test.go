package engine

import (
	"context"
	"slices"
	"testing"
)

// TestEngineHandBack: HandBack closes every statement the engine prepared,
// those it still had to deallocate included, in one round trip; pgx's own
// prepared statements stay.
func TestEngineHandBack(t *testing.T) {
	f := newFixture(t)
	const maybe = "SELECT maybe"
	st, fail := failsOnCue("40001")
	f.sts.set(maybe, st)
	warm(t, f.e, selectOne, selectTwo, insert, maybe)
	fail.Store(true)
	// Its error forgets the statement: it waits to be closed with the next
	// write.
	if code := sqlState(run(t, f.e, one(maybe))[0]); code != "40001" {
		t.Fatalf("SQLSTATE %q, want 40001", code)
	}
	if _, err := f.e.Conn().Prepare(context.Background(), "mine", selectOne); err != nil {
		t.Fatal(err)
	}
	if n := len(f.session.Prepared()); n != 5 {
		t.Fatalf("%d statements on the server before HandBack, want 5", n)
	}
	syncs := f.count("Sync")
	if err := f.e.HandBack(); err != nil {
		t.Fatal(err)
	}
	if got := f.session.Prepared(); !slices.Equal(got, []string{"mine"}) {
		t.Fatalf("after HandBack the server holds %q, want only pgx's own", got)
	}
	if c, s := f.count("Close"), f.count("Sync")-syncs; c != 4 || s != 1 {
		t.Errorf("%d Closes and %d Syncs, want 4 in one round trip", c, s)
	}
	if f.e.InFlight() {
		t.Error("in flight after HandBack")
	}
	// The connection is fit for pgx.
	var v string
	if err := f.e.Conn().QueryRow(context.Background(), selectOne).Scan(&v); err != nil || v != "one" {
		t.Fatalf("pgx after HandBack: %q, %v", v, err)
	}
}

// TestEngineHandBackNothingPrepared: an engine that prepared nothing
// hands its connection back without a round trip.
func TestEngineHandBackNothingPrepared(t *testing.T) {
	f := newFixture(t)
	if err := f.e.HandBack(); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, f.e)
	if n := f.count("all"); n != 1 {
		t.Fatalf("the server received %d messages, want only the round trip's Sync", n)
	}
}
