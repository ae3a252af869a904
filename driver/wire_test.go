package driver

import (
	"errors"
	"net"
	"testing"
)

// scriptedConn answers each Write with the next scripted result.
type scriptedConn struct {
	net.Conn
	results []scriptedWrite
}

type scriptedWrite struct {
	n   int
	err error
}

func (c *scriptedConn) Write([]byte) (int, error) {
	r := c.results[0]
	c.results = c.results[1:]
	return r.n, r.err
}

func TestMeteredConnStopsCountingAtFirstFailedWrite(t *testing.T) {
	errReset := errors.New("connection reset")
	m := &meteredConn{Conn: &scriptedConn{results: []scriptedWrite{
		{n: 5},                // a statement
		{n: 2, err: errReset}, // part of the next one, then the failure
		{n: 5},                // pgx's goodbye on the broken connection
	}}}
	want := []uint64{5, 7, 7}
	for i, w := range want {
		m.Write(make([]byte, 5))
		if got := m.written.Load(); got != w {
			t.Fatalf("after write %d: %d bytes counted, want %d", i+1, got, w)
		}
	}
}
