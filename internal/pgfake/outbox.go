package pgfake

import (
	"bytes"
	"net"
	"sync"
)

// outbox writes what the server sends on a goroutine of its own, so that
// the server goes on reading while the client has not read its answers
// yet: over net.Pipe, which has no buffer, a client writing a long
// pipeline and a server answering it would otherwise wait for each other.
type outbox struct {
	nc     net.Conn
	mu     sync.Mutex
	cond   *sync.Cond
	queue  [][]byte
	closed bool
	held   bool          // Conn.Hold: nothing is written until Release
	gone   chan struct{} // closed once the connection is
}

func newOutbox(nc net.Conn) *outbox {
	o := &outbox{nc: nc, gone: make(chan struct{})}
	o.cond = sync.NewCond(&o.mu)
	go o.drain()
	return o
}

// Write queues a copy of p; it never blocks.
func (o *outbox) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return 0, net.ErrClosed
	}
	o.queue = append(o.queue, append([]byte(nil), p...))
	o.cond.Signal()
	return len(p), nil
}

// close closes the connection once what was queued has been written, as
// a kernel delivers what a process sent before it closed its socket.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.cond.Signal()
	o.mu.Unlock()
}

// hold stops or restarts writing.
func (o *outbox) hold(held bool) {
	o.mu.Lock()
	o.held = held
	o.cond.Signal()
	o.mu.Unlock()
}

// heldWrites is how many writes wait for Release.
func (o *outbox) heldWrites() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue)
}

// drain writes what was queued, all of it at once: a client reading a
// socket gets in one read whatever arrived since its last.
func (o *outbox) drain() {
	defer close(o.gone)
	for {
		o.mu.Lock()
		for (len(o.queue) == 0 || o.held) && !o.closed {
			o.cond.Wait()
		}
		if len(o.queue) == 0 {
			o.mu.Unlock()
			o.nc.Close()
			return
		}
		b := bytes.Join(o.queue, nil)
		clear(o.queue)
		o.queue = o.queue[:0]
		o.mu.Unlock()
		if _, err := o.nc.Write(b); err != nil {
			o.nc.Close()
			return
		}
	}
}

// inbox reads what the client sends on a goroutine of its own, so that a
// client's write never waits for the server to finish a statement: a
// socket's buffer would take it, net.Pipe has none.
type inbox struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	err  error // the connection's read error, once all of buf is read
}

func newInbox(nc net.Conn) *inbox {
	in := &inbox{}
	in.cond = sync.NewCond(&in.mu)
	go in.fill(nc)
	return in
}

func (in *inbox) fill(nc net.Conn) {
	chunk := make([]byte, 8192)
	for {
		n, err := nc.Read(chunk)
		in.mu.Lock()
		in.buf = append(in.buf, chunk[:n]...)
		if err != nil {
			in.err = err
		}
		in.cond.Signal()
		in.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read reads what the client sent, waiting for it.
func (in *inbox) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for len(in.buf) == 0 && in.err == nil {
		in.cond.Wait()
	}
	if len(in.buf) == 0 {
		return 0, in.err
	}
	n := copy(p, in.buf)
	in.buf = in.buf[n:]
	return n, nil
}
