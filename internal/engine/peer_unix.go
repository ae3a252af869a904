//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package engine

import (
	"net"
	"syscall"
)

// peeker returns a function that looks at the first unread byte of c's
// socket without waiting or consuming it: ErrPeerGone at the end of the
// stream, errErrorResponse for an 'E', the socket's error, or nil.
func peeker(c net.Conn) func() error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var (
		buf  [1]byte
		n    int
		perr error
	)
	peek := func(fd uintptr) {
		n, _, perr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}
	return func() error {
		// Control, not Read: pgconn may have a read of its own pending on
		// the socket (its background reader finishes a read it began), and
		// Read would wait for it. A peek that does not wait needs no lock.
		if err := raw.Control(peek); err != nil {
			return err
		}
		switch {
		case perr == syscall.EAGAIN || perr == syscall.EINTR:
			return nil
		case perr != nil:
			return perr
		case n == 0:
			return ErrPeerGone
		case buf[0] == 'E':
			return errErrorResponse
		}
		return nil
	}
}
