package pool

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
// connection with nothing in flight, the owner looks at its socket
// without reading from it: an end of stream, a reset, or the first byte of
// an ErrorResponse (the only message a server sends unasked that ends a
// session) mean the connection is dead and nothing has been written to
// it, so its requests go to another connection. A close that reaches the
// client after this look and before the write is still seen as a lost
// connection: that window is one write long.

// errPeerGone: the server or a proxy closed the connection while it was
// idle.
var errPeerGone = errors.New("momoko: the server closed the connection while it was idle")

// peerGone reports errPeerGone, or the socket's error, when c's peer has
// closed it; nil when it looks open or cannot be told (another kind of
// connection, another system). It never blocks and never consumes a byte.
func peerGone(c net.Conn) error {
	plain := true
	for {
		if _, ok := c.(*tls.Conn); ok {
			plain = false
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
	return peekClosed(c, plain)
}
