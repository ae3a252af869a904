package driver

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// meteredConn counts the bytes pgx hands to the network on one connection,
// so that a call that failed can tell whether any of it left the client
// (see conn.settle). It sits below TLS, where bytes meet the wire.
type meteredConn struct {
	net.Conn
	written atomic.Uint64
	// broken stops the count at the first failed write: pgx then closes the
	// connection, and its goodbye (Terminate) must not pass for the failed
	// call's own bytes.
	broken atomic.Bool
}

// Write counts the bytes the network accepted.
func (m *meteredConn) Write(p []byte) (int, error) {
	n, err := m.Conn.Write(p)
	if !m.broken.Load() {
		m.written.Add(uint64(n))
	}
	if err != nil {
		m.broken.Store(true)
	}
	return n, err
}

// meterSlot receives the metered connection of the dial made with a context
// carrying it; pgx offers no other way from a dialed net.Conn to the
// *pgx.Conn it becomes. pgx dials hosts one after another, so the last dial
// is the connection kept.
type meterSlot struct{ conn atomic.Pointer[meteredConn] }

type meterSlotKey struct{}

// withMeterSlot returns a context whose dials report into a new slot.
func withMeterSlot(ctx context.Context) (context.Context, *meterSlot) {
	slot := new(meterSlot)
	return context.WithValue(ctx, meterSlotKey{}, slot), slot
}

// meteredDial wraps dial (pgx's default or a user's DialFunc) so that every
// connection it opens is metered.
func meteredDial(dial pgconn.DialFunc) pgconn.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		m := &meteredConn{Conn: nc}
		if slot, ok := ctx.Value(meterSlotKey{}).(*meterSlot); ok {
			slot.conn.Store(m)
		}
		return m, nil
	}
}

// NetConn is the connection underneath, for code that inspects the socket
// (the pool looks whether the server closed an idle connection before it
// writes to it).
func (m *meteredConn) NetConn() net.Conn { return m.Conn }
