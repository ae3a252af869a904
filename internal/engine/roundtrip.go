package engine

import (
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// A statement's service time, which tells its user whether others may
// wait behind it, is how long the server took on it: from when the server
// could begin on it to when its result was in. A statement written behind
// others begins once they are answered; one written to an idle connection
// begins once it has crossed the network, half a round trip after it was
// written, and its result crosses back in the other half. Without taking
// the round trip out, a link slower than the fast bound makes every
// statement slow, and nothing pipelines where pipelining pays most.

// roundTrips is how many round trips MeasureRoundTrip times: the quickest
// of a few is the network's, not a moment's stall on a busy machine.
const roundTrips = 3

// MeasureRoundTrip times round trips that cost the server nothing (a lone
// Sync) on the idle connection; the quickest is taken out of the service
// times of statements that met an idle server. An error is a
// *BrokenError.
func (w *Engine) MeasureRoundTrip() error {
	for range roundTrips {
		start := time.Now()
		w.fe.SendSync(&pgproto3.Sync{})
		if err := w.fe.Flush(); err != nil {
			return &BrokenError{err}
		}
		if err := w.receive(readyForQuery); err != nil {
			return err
		}
		if d := time.Since(start); w.rtt == 0 || d < w.rtt {
			w.rtt = d
		}
	}
	return nil
}

// serviceFrom is when the server could begin on b's statement whose
// result is being read: once what was ahead of it was answered, and not
// before it crossed the network.
func (w *Engine) serviceFrom(b *Batch) time.Time {
	from := b.Started.Add(w.rtt)
	if w.lastRead.After(from) {
		return w.lastRead
	}
	return from
}
