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
//
// The round trip is timed on the way, never waited for: the first few
// writes to an idle connection are preceded by a lone Sync, which costs
// the server nothing but its ReadyForQuery, and the quickest answer is
// the network's, not a moment's stall on a busy machine.

// roundTrips is how many round trips an engine times.
const roundTrips = 3

// timeRoundTrip writes a lone Sync to time, if the connection is idle and
// fewer than roundTrips were timed.
func (w *Engine) timeRoundTrip() {
	if !w.cfg.TimeRoundTrips || w.rttTimed >= roundTrips || w.head != len(w.sent) || w.open != nil {
		return
	}
	w.rttTimed++
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectSync, timed: true})
	w.unflushed = true
	w.rttFlushing = true
}

// flushedRoundTrip starts the clock of a timed Sync once the write that
// holds it has left: the time the rest of a large write takes to go out
// is not the network's. The answer may have begun its way back by then,
// which makes the round trip look shorter, and statements slower: the
// safe side.
func (w *Engine) flushedRoundTrip() {
	if w.rttFlushing {
		w.rttFlushing = false
		w.rttFrom = time.Now()
	}
}

// readRoundTrip reads the timed Sync's answer. The server begins on what
// follows once it has answered it.
func (w *Engine) readRoundTrip() error {
	if err := w.receive(readyForQuery); err != nil {
		return err
	}
	w.lastRead = time.Now()
	if d := w.lastRead.Sub(w.rttFrom); w.rtt == 0 || d < w.rtt {
		w.rtt = d
	}
	return nil
}

// working reports whether anything but a timed Sync is in flight.
func (w *Engine) working() bool {
	n := len(w.sent) - w.head
	return n > 1 || n == 1 && !w.sent[w.head].timed
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
