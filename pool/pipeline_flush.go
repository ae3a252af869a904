package pool

import "github.com/jackc/pgx/v5/pgconn"

// Sending what was written, and telling afterwards what left the client.

// flush sends what write queued.
func (w *pipeline) flush() error {
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
		return &errBroken{err}
	}
	return nil
}

// neverSent reports whether nothing of r was written to the server: all
// of it was in a write the kernel refused. A request's messages go out in
// one write.
func (w *pipeline) neverSent(r *request) bool {
	for i := w.flushed; i < len(w.sent); i++ {
		if w.sent[i].req == r {
			return true
		}
	}
	return false
}

// resultsBuffered reports whether results of what was written are
// already in the read buffer, so that reading them needs no system call.
func (w *pipeline) resultsBuffered() bool {
	return w.head < w.flushed && w.fe.ReadBufferLen() > 0
}

// preparingFirst is the SQL of the Prepare whose answer the pipeline
// waits for first; "" when that is not a Prepare's.
func (w *pipeline) preparingFirst() string {
	if !w.inFlight() || w.sent[w.head].kind != expectPrepare {
		return ""
	}
	return w.sent[w.head].sql
}
