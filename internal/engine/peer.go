package engine

import (
	"crypto/tls"
	"errors"
	"net"
)

// A connection can die while it is idle: the server ends the session
// (pg_terminate_backend, a restart: it sends a FATAL error and closes),
// or a proxy, NAT or load balancer in between drops it. The kernel of
// the client then holds the end of the stream (or the error) unread, yet
// a write still succeeds, so a statement written to such a connection
// looks lost although it never reached a server. Before writing to a
// connection with nothing in flight, its user looks at its socket
// without reading from it: an end of stream, a reset, or the first byte of
// an ErrorResponse (the only message a server sends unasked that ends a
// session) mean the connection is dead and nothing has been written to
// it, so what was to be written can go to another connection. A close that reaches the
// client after this look and before the write is still seen as a lost
// connection: that window is one write long. Over TLS the ErrorResponse
// is encrypted: only the close after it is seen.

// ErrPeerGone: the server or a proxy closed the connection while it was
// idle.
var ErrPeerGone = errors.New("momoko: the server closed the connection while it was idle")

// socketProbe looks at one connection's socket; made once per
// connection, so that a look allocates nothing.
type socketProbe struct {
	plain bool         // no TLS: the first unread byte is a message type
	look  func() error // nil: the socket cannot be looked at
}

// newSocketProbe finds the socket under c, below TLS and the driver's
// byte counter.
func newSocketProbe(c net.Conn) *socketProbe {
	sp := &socketProbe{plain: true}
	for {
		if _, ok := c.(*tls.Conn); ok {
			sp.plain = false
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		inner := u.NetConn()
		if inner == nil || inner == c {
			break
		}
		c = inner
	}
	sp.look = peeker(c)
	return sp
}

// PeerGone reports whether the server closed the connection while
// nothing was in flight: ErrPeerGone, or the socket's error; nil when it
// looks open or cannot be told. It never blocks and never reads.
func (w *Engine) PeerGone() error { return w.probe.gone(w.fe.ReadBufferLen() > 0) }

// gone reports ErrPeerGone, or the socket's error, when the peer has
// closed the connection; nil when it looks open or cannot be told. It
// never blocks and never consumes a byte. buffered: the client holds
// unread bytes of the server's, so the socket's next byte may be in the
// middle of a message, not a message type.
func (sp *socketProbe) gone(buffered bool) error {
	if sp.look == nil {
		return nil
	}
	err := sp.look()
	if errors.Is(err, errErrorResponse) {
		if !sp.plain || buffered {
			return nil
		}
		return ErrPeerGone
	}
	return err
}

// errErrorResponse: the socket's next byte is an ErrorResponse's type.
var errErrorResponse = errors.New("momoko: an error response waits on the socket")
