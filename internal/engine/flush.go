package engine

import "github.com/jackc/pgx/v5/pgconn"

// Sending what was written, and telling afterwards what left the client.

// Flush sends what Write queued, the open read group ended: a group is what
// one write pass holds (group.go).
func (w *Engine) Flush() error {
	w.endGroup()
	if !w.unflushed {
		return nil
	}
	w.unflushed = false
	before := w.flushed
	w.flushed = len(w.sent)
	if err := w.fe.Flush(); err != nil {
		if pgconn.SafeToRetry(err) {
			w.flushed = before // not a byte of it left the client
		}
		return &BrokenError{err}
	}
	w.flushedRoundTrip()
	return nil
}

// NeverSent reports whether nothing of b was written to the server: all
// of it was in a write the kernel refused. A batch's messages go out in
// one write.
func (w *Engine) NeverSent(b *Batch) bool {
	for i := w.flushed; i < len(w.sent); i++ {
		if w.sent[i].b == b {
			return true
		}
	}
	return false
}

// ResultsBuffered reports whether results of what was written are
// already in the read buffer, so that reading them needs no system call.
func (w *Engine) ResultsBuffered() bool {
	return w.HandingBack() || w.head < w.flushed && w.fe.ReadBufferLen() > 0
}

// HandingBack reports whether members of an ended read group are still to
// be handed back: ReadNext returns them without reading.
func (w *Engine) HandingBack() bool { return w.readyAt < len(w.ready) }

// PreparingFirst is the SQL of the Prepare whose answer the engine
// waits for first; "" when that is not a Prepare's.
func (w *Engine) PreparingFirst() string {
	if w.head == len(w.sent) || w.sent[w.head].kind != expectPrepare {
		return ""
	}
	return w.sent[w.head].sql
}

// Lose forgets what was in flight on a connection that broke. Its traces
// end: with lost what may have reached the server, with unsent what never
// left the client (its caller may run it elsewhere).
func (w *Engine) Lose(lost, unsent error) {
	w.endTraces(lost, unsent)
	for _, g := range w.groups {
		for _, b := range g.members {
			skip(b)
			b.group = nil
		}
	}
	w.sent, w.head, w.flushed = nil, 0, 0
	clear(w.groups)
	w.groups = w.groups[:0]
	w.open, w.skipping = nil, false
}
