package pool

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/momoko-go/momoko/internal/nilctx"
)

// Notification is one NOTIFY, as the server delivered it.
type Notification struct {
	Channel string // the channel, as given to Listen
	Payload string
	PID     uint32 // the backend process ID of the session that sent it
}

// ErrNotificationsMissed is wrapped by every *GapError: notifications
// may have been missed at that point of the stream, so whatever the
// caller keeps in step with them should be read again.
var ErrNotificationsMissed = errors.New("momoko: notifications may have been missed")

// GapError is a gap in a Listener's stream: the reader gets it in place of
// the notifications missed there, and reading goes on after it. Every
// notification sent after the reader got it is delivered (a new gap
// apart), so state read again once it arrives misses nothing.
//
// A gap comes from the buffer (Dropped), the connection (Cause), or both
// when they follow each other unread. It unwraps to ErrNotificationsMissed
// only: a loop that stops on context.DeadlineExceeded must not stop
// because a ping timed out.
type GapError struct {
	// Dropped counts the notifications dropped here because the buffer
	// was full: those that arrived after the ones before the gap.
	Dropped uint64
	// Cause is why the listener's connection was lost, when it was: the
	// gap then stands where it was lost, and the reader gets it once a
	// new connection listens on every channel again. Notifications sent
	// in between may be lost, and how many is unknown.
	Cause error
}

// Error says what was missed.
func (e *GapError) Error() string {
	msg := ErrNotificationsMissed.Error()
	if e.Dropped > 0 {
		msg += fmt.Sprintf(": %d dropped, the buffer was full", e.Dropped)
	}
	if e.Cause != nil {
		msg += ": connection lost and listening again: " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns ErrNotificationsMissed.
func (e *GapError) Unwrap() error { return ErrNotificationsMissed }

// ListenerStats counts what a Listener did since it was opened.
type ListenerStats struct {
	Received   uint64 // notifications of its channels from the server, dropped ones included
	Dropped    uint64 // notifications dropped because the buffer was full
	Reconnects uint64 // connections lost and made again
	Buffered   int    // notifications waiting for a reader
}

// Stats returns the counters.
func (l *Listener) Stats() ListenerStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stats
	st.Buffered = l.held
	return st
}

// queued is a notification waiting for a reader, or a gap.
type queued struct {
	n   Notification
	gap *GapError
}

// Next returns the next notification, waiting for one. A *GapError
// (errors.Is ErrNotificationsMissed) stands for notifications missed, and
// reading goes on after it. Any other error ends the stream:
// ErrListenerClosed, ErrPoolClosed (the pool's Close ended the listener),
// or ctx's error (the listener goes on). Concurrent readers each get
// different notifications.
func (l *Listener) Next(ctx context.Context) (Notification, error) {
	ctx = nilctx.Or(ctx)
	for {
		if err := ctx.Err(); err != nil {
			// The wake-up this reader may have taken belongs to another.
			l.mu.Lock()
			if len(l.queue) > 0 {
				l.signalLocked()
			}
			l.mu.Unlock()
			return Notification{}, err
		}
		l.mu.Lock()
		if l.err != nil {
			defer l.mu.Unlock()
			return Notification{}, l.err
		}
		q, ok := l.popLocked()
		if ok && len(l.queue) > 0 {
			l.signalLocked() // for another reader
		}
		l.mu.Unlock()
		if ok && q.gap != nil {
			return Notification{}, q.gap
		}
		if ok {
			return q.n, nil
		}
		select {
		case <-l.ready:
		case <-l.ended:
		case <-ctx.Done():
		}
	}
}

// Notifications yields the listener's notifications as Next returns
// them, each with a nil error, and gaps as a *GapError with a zero
// Notification, until ctx ends or the listener does: then it yields that
// error and stops. Breaking out of the loop leaves the listener as it is:
// the next loop goes on where this one stopped.
//
//	for n, err := range l.Notifications(ctx) {
//		if errors.Is(err, pool.ErrNotificationsMissed) {
//			resync() // read again what the notifications keep in step
//			continue
//		}
//		if err != nil {
//			return err
//		}
//		handle(n)
//	}
func (l *Listener) Notifications(ctx context.Context) iter.Seq2[Notification, error] {
	return func(yield func(Notification, error) bool) {
		for {
			n, err := l.Next(ctx)
			if !yield(n, err) {
				return
			}
			var gap *GapError
			if err != nil && !errors.As(err, &gap) {
				return
			}
		}
	}
}

// pushLocked queues n, or counts it in a gap at the end of the queue when
// the buffer is full: the connection's reading never waits for a reader,
// and the queue holds at most buffer notifications and one gap more.
func (l *Listener) pushLocked(n Notification) {
	if l.held < l.buffer {
		l.queue = append(l.queue, queued{n: n})
		l.held++
	} else {
		l.stats.Dropped++
		l.gapLocked().Dropped++
	}
	l.signalLocked()
}

// gapLocked is the gap at the end of the queue, queued now unless the
// last entry is one: gaps never follow each other, so that there are at
// most as many as notifications, plus one.
func (l *Listener) gapLocked() *GapError {
	if k := len(l.queue); k > 0 && l.queue[k-1].gap != nil {
		return l.queue[k-1].gap
	}
	g := &GapError{}
	l.queue = append(l.queue, queued{gap: g})
	return g
}

// popLocked takes the first entry of the queue.
func (l *Listener) popLocked() (queued, bool) {
	if len(l.queue) == 0 {
		return queued{}, false
	}
	q := l.queue[0]
	l.queue[0] = queued{}
	l.queue = l.queue[1:]
	if q.gap == nil {
		l.held--
	}
	return q, true
}

// purgeLocked drops the queued notifications of channels, merging the
// gaps that then meet.
func (l *Listener) purgeLocked(channels map[string]bool) {
	kept := l.queue[:0]
	for _, q := range l.queue {
		switch {
		case q.gap == nil && channels[q.n.Channel]:
			l.held--
		case q.gap != nil && len(kept) > 0 && kept[len(kept)-1].gap != nil:
			last := kept[len(kept)-1].gap
			last.Dropped += q.gap.Dropped
			if last.Cause == nil {
				last.Cause = q.gap.Cause
			}
		default:
			kept = append(kept, q)
		}
	}
	clear(l.queue[len(kept):])
	l.queue = kept
}

// signalLocked leaves a token for a reader, unless one waits already.
func (l *Listener) signalLocked() {
	select {
	case l.ready <- struct{}{}:
	default:
	}
}
