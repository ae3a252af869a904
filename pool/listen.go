package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

var (
	// ErrListenerClosed: the Listener was closed. Its readers, and its
	// Listen, return it.
	ErrListenerClosed = errors.New("momoko: listener is closed")
	// ErrBadChannel is wrapped by the error of Listen for a channel name
	// that is empty, holds a NUL byte, or is longer than the 63 bytes
	// PostgreSQL keeps of an identifier.
	ErrBadChannel = sqltext.ErrBadChannel
)

// DefaultListenBuffer is how many notifications a Listener holds for its
// readers when ListenOptions.Buffer is zero.
const DefaultListenBuffer = 1024

// ListenOptions configure a Listener.
type ListenOptions struct {
	// Buffer is how many notifications wait for a reader at most. Those
	// that arrive while it is full are dropped and counted in a *GapError
	// queued behind the ones kept. Default DefaultListenBuffer.
	Buffer int
}

// Listener receives the notifications of its channels (LISTEN/NOTIFY) on a
// connection of its own, and keeps receiving them across lost connections
// and server restarts. Read them with Notifications or Next. A Listener is
// safe for concurrent use; Close it when done.
//
// When its connection breaks it dials again, at once and then after
// ReconnectInterval, doubling up to 5s (or ReconnectInterval if longer),
// through the pool's fail-fast gate; it listens on every channel again and
// then yields a *GapError. After HealthCheckPeriod without a notification
// (unless it is negative) it pings, so that a connection dropped without
// a word is replaced too.
type Listener struct {
	p      *Pool
	buffer int
	ctx    context.Context // ends with Close or the pool's Close: the goroutine returns
	cancel context.CancelFunc
	done   chan struct{} // closed once the goroutine returned, its connection closed
	ended  chan struct{} // closed when the listener ends: readers return err
	ready  chan struct{} // a token for readers: something was queued

	mu sync.Mutex
	// channels are those listened to, or to be listened to by the next
	// connection; only their notifications are delivered.
	channels map[string]bool
	// connected: the goroutine serves a connection that listens on
	// channels, so a change must reach it as a command. Else the next
	// connection listens on whatever channels holds by then.
	connected bool
	cmds      []*listenCmd
	// interrupt ends the goroutine's wait for a notification, so that it
	// runs cmds; nil while it does not wait.
	interrupt context.CancelFunc
	queue     []queued
	held      int   // notifications in queue, gaps apart
	err       error // why the listener ended; nil while it runs
	stats     ListenerStats
}

// listenCmd is a LISTEN or UNLISTEN for the goroutine to run on its
// connection.
type listenCmd struct {
	sql   string
	added []string   // channels a LISTEN added to the set: forgotten when the server refuses it
	done  chan error // the outcome, for a caller who waits; nil when none does
}

func (c *listenCmd) reply(err error) {
	if c.done != nil {
		c.done <- err
	}
}

// Listen opens a Listener on channels with the default ListenOptions.
func (p *Pool) Listen(ctx context.Context, channels ...string) (*Listener, error) {
	return p.ListenWithOptions(ctx, ListenOptions{}, channels...)
}

// ListenWithOptions opens a Listener: it dials a connection of the
// listener's own through the pool's driver (the DSN's keys, SetSession,
// AfterConnect and the fail-fast gate apply) and runs LISTEN on each of
// channels, which may be none. It returns once the server listens, so
// that every notification sent after it returns is delivered; ctx bounds
// only that. Channel names are identifiers taken as given, case and quotes
// included (NOTIFY Orders reaches "orders"; pg_notify('Orders', ...) reaches
// "Orders").
//
// The connection is not one of the pool's: it counts against neither Size
// nor MaxSize, nor in Stats, and MaxLifetime does not replace it, since a
// new connection could miss notifications; the server sees one more
// connection per Listener. It fails with ErrNeedsMomokoDriver on a pool
// made by FromDB, and with ErrPoolClosed once the pool is closed, whose
// Close also ends the Listener.
func (p *Pool) ListenWithOptions(ctx context.Context, opts ListenOptions, channels ...string) (*Listener, error) {
	ctx = nilctx.Or(ctx)
	if p.connector == nil {
		return nil, ErrNeedsMomokoDriver
	}
	if p.notifyHook {
		return nil, fmt.Errorf("%w: ConnConfig.OnNotification is set: pgx hands notifications to it, none to a Listener", ErrInvalidOptions)
	}
	if opts.Buffer < 0 {
		return nil, fmt.Errorf("%w: ListenOptions.Buffer %d is negative", ErrInvalidOptions, opts.Buffer)
	}
	if opts.Buffer == 0 {
		opts.Buffer = DefaultListenBuffer
	}
	if _, err := quoteChannels(channels); err != nil {
		return nil, err
	}
	if p.isClosed() {
		return nil, ErrPoolClosed
	}
	l := &Listener{p: p, buffer: opts.Buffer, done: make(chan struct{}), ended: make(chan struct{}),
		ready: make(chan struct{}, 1), channels: make(map[string]bool)}
	for _, ch := range channels {
		l.channels[ch] = true
	}
	l.ctx, l.cancel = context.WithCancel(p.ctx)
	dialCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(l.ctx, cancel)
	defer stop()
	c, err := l.open(dialCtx)
	if err != nil {
		l.cancel()
		if p.isClosed() {
			return nil, ErrPoolClosed
		}
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.close()
		l.cancel()
		return nil, ErrPoolClosed
	}
	p.maintains.Add(1) // the pool's Close waits for the goroutine
	p.mu.Unlock()
	go l.run(c)
	return l, nil
}

// Listen adds channels to the listener. It returns once the server
// listens on them, so that every notification sent after it returns is
// delivered; or at once when the connection is down, or breaks before the
// server answers: then the next connection listens on them, and the gap
// event of that reconnection says that notifications may have been missed.
// When ctx ends first, Listen returns its error and the channels stay
// (Unlisten removes them). A channel the server refuses (LISTEN on a
// standby) is not added, and the server's error returned.
func (l *Listener) Listen(ctx context.Context, channels ...string) error {
	ctx = nilctx.Or(ctx)
	quoted, err := quoteChannels(channels)
	if err != nil || len(channels) == 0 {
		return err
	}
	l.mu.Lock()
	if l.err != nil {
		defer l.mu.Unlock()
		return l.err
	}
	var added []string
	for _, ch := range channels {
		if !l.channels[ch] {
			l.channels[ch] = true
			added = append(added, ch)
		}
	}
	if !l.connected {
		l.mu.Unlock()
		return nil
	}
	// A channel already in the set may still wait for its LISTEN: this
	// one, run after it, answers when both have.
	c := &listenCmd{sql: sqltext.ListenSQL("LISTEN", quoted), added: added, done: make(chan error, 1)}
	l.enqueueLocked(c)
	l.mu.Unlock()
	select {
	case err := <-c.done:
		return err
	case <-l.ended:
		return l.endErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unlisten removes channels from the listener. No notification of theirs
// is delivered once it returns, those already buffered included; the
// server's UNLISTEN follows in the background. Channels not listened to
// are ignored. A channel listened to again at once may still deliver a
// notification sent before Unlisten that had not reached the listener
// yet.
func (l *Listener) Unlisten(channels ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	drop := make(map[string]bool)
	var quoted []string
	for _, ch := range channels {
		if !l.channels[ch] || drop[ch] {
			continue
		}
		delete(l.channels, ch)
		drop[ch] = true
		q, _ := sqltext.QuoteChannel(ch) // in the set, so valid
		quoted = append(quoted, q)
	}
	if len(drop) == 0 || l.err != nil {
		return
	}
	l.purgeLocked(drop)
	if l.connected {
		l.enqueueLocked(&listenCmd{sql: sqltext.ListenSQL("UNLISTEN", quoted)})
	}
}

// Channels returns the channels listened to, sorted.
func (l *Listener) Channels() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	chs := make([]string, 0, len(l.channels))
	for ch := range l.channels {
		chs = append(chs, ch)
	}
	slices.Sort(chs)
	return chs
}

// Close ends the listener: blocked readers return ErrListenerClosed, as
// do later reads (what was buffered is dropped), and Close returns once
// its connection is closed and its goroutine gone. Closing again, or after
// the pool's Close, does nothing.
func (l *Listener) Close() error {
	l.end(ErrListenerClosed)
	l.cancel()
	<-l.done
	return nil
}

// enqueueLocked hands c to the goroutine, waking it if it waits for a
// notification.
func (l *Listener) enqueueLocked(c *listenCmd) {
	l.cmds = append(l.cmds, c)
	if l.interrupt != nil {
		l.interrupt()
	}
}

// end ends the listener with err, once: readers and waiting commands
// return it.
func (l *Listener) end(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	l.err = err
	clear(l.queue)
	l.queue, l.held = nil, 0
	for _, c := range l.cmds {
		c.reply(err)
	}
	l.cmds = nil
	close(l.ended)
}

func (l *Listener) endErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// quoteChannels quotes each name for LISTEN and UNLISTEN.
func quoteChannels(channels []string) ([]string, error) {
	quoted := make([]string, len(channels))
	for i, ch := range channels {
		q, err := sqltext.QuoteChannel(ch)
		if err != nil {
			return nil, err
		}
		quoted[i] = q
	}
	return quoted, nil
}
