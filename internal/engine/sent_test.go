package engine

import "testing"

// TestBusyPipelineStaysSmall: a pipeline that never drains (three
// requests always in flight, one read for each written) keeps its record
// of what it sent small: it used to start over only once drained.
func TestBusyPipelineStaysSmall(t *testing.T) {
	w := &Engine{}
	const inFlight, written = 3, 10_000
	for range inFlight {
		w.expect(expect{kind: expectSync, b: &Batch{}})
	}
	w.flushed = len(w.sent)
	for range written {
		w.expect(expect{kind: expectSync, b: &Batch{}})
		w.flushed = len(w.sent)
		w.sent[w.head] = expect{} // as readNext takes it
		w.head++
	}
	if w.head+inFlight != len(w.sent) || w.flushed != len(w.sent) {
		t.Fatalf("head %d, flushed %d of %d entries: want %d in flight, all flushed", w.head, w.flushed, len(w.sent), inFlight)
	}
	if c := cap(w.sent); c > 4*inFlight {
		t.Errorf("after %d statements with %d in flight the pipeline's record holds room for %d, want at most %d", written, inFlight, c, 4*inFlight)
	}
}
