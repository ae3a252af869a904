package pool

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"
)

// bareListener is a Listener with no connection, for its queue alone.
func bareListener(buffer int, channels ...string) *Listener {
	p := &Pool{opts: Options{Logger: slog.New(slog.DiscardHandler)}}
	l := &Listener{p: p, buffer: buffer, ended: make(chan struct{}), ready: make(chan struct{}, 1),
		channels: make(map[string]bool)}
	for _, ch := range channels {
		l.channels[ch] = true
	}
	return l
}

func (l *Listener) push(channel, payload string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pushLocked(Notification{Channel: channel, Payload: payload})
}

// drain reads what is queued, as "channel:payload" or "gap:dropped" (and
// ":lost" when the gap has a connection's error).
func (l *Listener) drain(t *testing.T) []string {
	t.Helper()
	var got []string
	for l.queued() > 0 {
		n, err := l.Next(context.Background())
		var gap *GapError
		switch {
		case errors.As(err, &gap):
			s := "gap:" + strconv.FormatUint(gap.Dropped, 10)
			if gap.Cause != nil {
				s += ":lost"
			}
			got = append(got, s)
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			got = append(got, n.Channel+":"+n.Payload)
		}
	}
	return got
}

func (l *Listener) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue)
}

// TestListenBufferDropsNewestBehindAGap: a full buffer keeps what it has,
// counts what arrives in one gap behind it, and takes notifications again
// as soon as a reader makes room, after the gap.
func TestListenBufferDropsNewestBehindAGap(t *testing.T) {
	l := bareListener(3, "c")
	for i := 1; i <= 7; i++ {
		l.push("c", strconv.Itoa(i))
	}
	if got := len(l.queue); got != 4 {
		t.Fatalf("queue holds %d entries, want 3 notifications and one gap", got)
	}
	if n, err := l.Next(context.Background()); err != nil || n.Payload != "1" {
		t.Fatalf("Next = %+v, %v; want 1", n, err)
	}
	l.push("c", "8") // room for one: it goes behind the gap
	l.push("c", "9") // full again: a new gap
	want := []string{"c:2", "c:3", "gap:4", "c:8", "gap:1"}
	if got := l.drain(t); !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	if st := l.Stats(); st.Dropped != 5 || st.Buffered != 0 {
		t.Fatalf("Stats = %+v, want Dropped 5, Buffered 0", st)
	}
}

// TestListenGapsMerge: a lost connection right after an overflow, unread,
// is one gap, and so are gaps that an Unlisten brings together.
func TestListenGapsMerge(t *testing.T) {
	l := bareListener(1, "a", "b")
	l.push("a", "1")
	l.push("a", "2") // dropped
	l.reconnected(io.ErrUnexpectedEOF, 0)
	if got, want := l.drain(t), []string{"a:1", "gap:1:lost"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}

	l = bareListener(2, "a", "b")
	l.push("a", "1")
	l.push("b", "2")
	l.push("a", "3") // dropped: a gap after b:2
	if n, err := l.Next(context.Background()); err != nil || n.Payload != "1" {
		t.Fatalf("Next = %+v, %v; want a:1", n, err)
	}
	l.push("b", "4")
	l.push("a", "5") // dropped: a gap after b:4
	l.Unlisten("b")
	if got, want := l.drain(t), []string{"gap:2"}; !slices.Equal(got, want) {
		t.Fatalf("after Unlisten(b): read %v, want %v", got, want)
	}
}

// TestListenUnlistenPurgesBuffered: notifications of a channel already
// buffered are not delivered once Unlisten returns, and later ones are not
// queued.
func TestListenUnlistenPurgesBuffered(t *testing.T) {
	l := bareListener(10, "a", "b")
	l.push("a", "1")
	l.push("b", "2")
	l.push("a", "3")
	l.Unlisten("a", "a", "never-listened")
	l.mu.Lock()
	l.cmds = nil // no connection to run them
	l.mu.Unlock()
	if got, want := l.drain(t), []string{"b:2"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	if got := l.Channels(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("Channels = %v, want [b]", got)
	}
}

// TestListenQueueStaysBounded: however notifications and Unlisten calls
// interleave while nobody reads, the queue holds at most buffer
// notifications and buffer+1 gaps.
func TestListenQueueStaysBounded(t *testing.T) {
	const buffer = 4
	l := bareListener(buffer)
	for round := range 1000 {
		ch := "c" + strconv.Itoa(round%7)
		l.mu.Lock()
		l.channels[ch] = true
		l.mu.Unlock()
		l.push(ch, "x")
		if round%3 == 0 {
			l.Unlisten("c" + strconv.Itoa((round+3)%7))
			l.mu.Lock()
			l.cmds = nil
			l.mu.Unlock()
		}
		if n := len(l.queue); n > 2*buffer+1 || l.held > buffer {
			t.Fatalf("round %d: %d entries, %d notifications; want at most %d and %d", round, n, l.held, 2*buffer+1, buffer)
		}
	}
}

// TestListenNextEnds: a reader waiting on an empty queue returns the
// listener's end, and a reader whose context ended returns that at once,
// though notifications wait.
func TestListenNextEnds(t *testing.T) {
	l := bareListener(2, "c")
	got := make(chan error, 1)
	go func() {
		_, err := l.Next(context.Background())
		got <- err
	}()
	l.end(ErrListenerClosed)
	if err := <-got; !errors.Is(err, ErrListenerClosed) {
		t.Fatalf("Next = %v, want ErrListenerClosed", err)
	}

	l = bareListener(2, "c")
	l.push("c", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with an ended context = %v, want context.Canceled", err)
	}
}

// TestListenBackoff: the first wait is about ReconnectInterval, each
// failure doubles it up to the ceiling, and jitter takes at most half.
func TestListenBackoff(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		attempt  int
		ceiling  time.Duration
	}{
		{100 * time.Millisecond, 1, 100 * time.Millisecond},
		{100 * time.Millisecond, 2, 200 * time.Millisecond},
		{100 * time.Millisecond, 4, 800 * time.Millisecond},
		{100 * time.Millisecond, 50, maxListenBackoff},
		{time.Minute, 1, time.Minute},
		{time.Minute, 5, time.Minute},
	} {
		for range 100 {
			d := listenBackoff(c.interval, c.attempt)
			if d < c.ceiling/2 || d > c.ceiling {
				t.Fatalf("listenBackoff(%v, %d) = %v, want within [%v, %v]", c.interval, c.attempt, d, c.ceiling/2, c.ceiling)
			}
		}
	}
}

// TestNextHandsOnAWakeUpItCannotUse: a reader whose context has ended
// returns its error, and a wake-up it took while notifications wait goes
// on to the next reader.
func TestNextHandsOnAWakeUpItCannotUse(t *testing.T) {
	l := bareListener(8, "c")
	defer l.end(ErrListenerClosed)
	l.push("c", "1")
	<-l.ready // taken, as by a reader woken just as its context ended
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, want context.Canceled", err)
	}
	select {
	case <-l.ready:
	default:
		t.Fatal("the wake-up was swallowed with a notification waiting")
	}
}
