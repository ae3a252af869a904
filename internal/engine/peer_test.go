package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// overTCP puts a loopback TCP connection between the client and the fake
// server, so that the engine's socket probe has a socket to look at: what
// one side closes, the proxy closes on the other.
func overTCP(s *setup) {
	s.dial = func(t *testing.T, dial pgconn.DialFunc) pgconn.DialFunc {
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			defer ln.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return nil, err
			}
			server, err := ln.Accept()
			if err != nil {
				client.Close()
				return nil, err
			}
			fake, err := dial(ctx, network, addr)
			if err != nil {
				client.Close()
				server.Close()
				return nil, err
			}
			var wg sync.WaitGroup
			pipe := func(dst, src net.Conn) {
				defer wg.Done()
				_, _ = io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			wg.Add(2)
			go pipe(server, fake)
			go pipe(fake, server)
			t.Cleanup(wg.Wait) // after the client's Close, which ends both
			return client, nil
		}
	}
}

// TestEnginePeerGone: an idle connection the server closed is seen as
// gone without a read or a write (ErrPeerGone), so that what was to be
// written can go to another connection; an open one is not.
func TestEnginePeerGone(t *testing.T) {
	f := newFixture(t, overTCP)
	runOK(t, f.e, one(selectOne))
	if err := f.e.PeerGone(); err != nil {
		t.Fatalf("PeerGone on an open idle connection: %v", err)
	}
	f.session.Cut()
	<-f.session.Gone()
	var err error
	waitFor(t, "the close to reach the client's socket", func() bool {
		err = f.e.PeerGone()
		return err != nil
	})
	if !errors.Is(err, ErrPeerGone) {
		t.Fatalf("PeerGone after the server closed: %v, want ErrPeerGone", err)
	}
	if f.e.InFlight() {
		t.Fatal("PeerGone put something in flight")
	}
}

// TestEnginePeerGoneCannotTell: over a connection that is no socket
// (net.Pipe) the probe cannot look: PeerGone is nil, even once closed.
func TestEnginePeerGoneCannotTell(t *testing.T) {
	f := newFixture(t)
	f.session.Cut()
	<-f.session.Gone()
	if err := f.e.PeerGone(); err != nil {
		t.Fatalf("PeerGone over net.Pipe: %v, want nil (cannot be told)", err)
	}
}
