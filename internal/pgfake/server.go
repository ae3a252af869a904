package pgfake

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Statement is what the server knows of one SQL text.
type Statement struct {
	Params []uint32                    // parameter type OIDs, as Describe reports them
	Fields []pgproto3.FieldDescription // result columns; none: NoData
	// Bind, when set, may refuse a Bind before BindComplete (a stale plan:
	// 0A000), as the server does before anything runs.
	Bind func(c *Conn) error
	// Run executes the statement with its arguments (text or binary, as
	// the client sent them). ctx ends when the connection is cut or a
	// CancelRequest arrives for it. Nil Run: no rows, tag "SELECT 0".
	Run func(ctx context.Context, c *Conn, args [][]byte) (rows [][][]byte, tag string, err error)
}

// Server is a fake PostgreSQL server. Its Dial gives connections to it; set
// Lookup before the first one.
type Server struct {
	// Lookup describes an SQL text, or fails its Parse (a syntax error).
	Lookup func(sql string) (Statement, error)
	// OnMessage, when set, sees every message before it is handled; it
	// may Cut the connection, or block to hold the server up.
	OnMessage func(c *Conn, m pgproto3.FrontendMessage)

	mu     sync.Mutex
	conns  []*Conn
	nextID uint32
	closed bool
}

// Dial is a pgconn.DialFunc: a client end of a new connection to s.
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("pgfake: server closed")
	}
	client, server := net.Pipe()
	s.nextID++
	c := newConn(s, server, s.nextID)
	s.conns = append(s.conns, c)
	go c.serve()
	return client, nil
}

// Conns are the connections made so far, cancel connections included,
// oldest first.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Conn(nil), s.conns...)
}

// Sessions are the connections that started a session (not cancel
// requests) and are still open.
func (s *Server) Sessions() []*Conn {
	var open []*Conn
	for _, c := range s.Conns() {
		if c.session.Load() && !c.Closed() {
			open = append(open, c)
		}
	}
	return open
}

// Close cuts every connection and refuses new ones.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
	for _, c := range conns {
		<-c.done
	}
}

// cancel delivers a CancelRequest to the session with those keys.
func (s *Server) cancel(pid uint32, secret []byte) {
	for _, c := range s.Conns() {
		if c.pid == pid && bytes.Equal(c.secret, secret) {
			c.cancelRunning()
		}
	}
}

// Fail is a server error with SQLSTATE code, as Run or Bind return it.
func Fail(code, message string) error {
	return &pgconn.PgError{Severity: "ERROR", Code: code, Message: message}
}

// Fatal is a FATAL server error: the server ends the session after it.
func Fatal(code, message string) error {
	return &pgconn.PgError{Severity: "FATAL", Code: code, Message: message}
}

// TextColumn describes a text result column; the client reads text
// columns in text form whatever it asks for other types.
func TextColumn(name string) pgproto3.FieldDescription {
	return pgproto3.FieldDescription{Name: []byte(name), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}
}

// Row is one result row of text values.
func Row(values ...string) [][]byte {
	row := make([][]byte, len(values))
	for i, v := range values {
		row[i] = []byte(v)
	}
	return row
}
