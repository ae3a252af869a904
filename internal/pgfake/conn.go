package pgfake

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Conn is the server's side of one connection.
type Conn struct {
	s       *Server
	nc      net.Conn
	be      *pgproto3.Backend
	out     *outbox
	pid     uint32
	secret  []byte
	done    chan struct{}
	session atomic.Bool // it started a session (not a CancelRequest)
	closed  atomic.Bool

	mu        sync.Mutex
	prepared  map[string]string // statement name → SQL
	received  []string          // SQL of every Execute and Query, in order
	runCancel context.CancelFunc
	syncErr   error // FailSync's: the next Sync's error

	// The session's own, used by its goroutine only.
	portal   portal
	txStatus byte
	failed   bool // skipping to Sync after an error
}

type portal struct {
	sql  string
	stmt Statement
	args [][]byte
}

func newConn(s *Server, nc net.Conn, id uint32) *Conn {
	out := newOutbox(nc)
	return &Conn{
		s: s, nc: nc, be: pgproto3.NewBackend(newInbox(nc), out), out: out, pid: 1000 + id, secret: []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)},
		done: make(chan struct{}), prepared: make(map[string]string), txStatus: 'I',
	}
}

// PID is the session's process ID as the client sees it.
func (c *Conn) PID() uint32 { return c.pid }

// Cut closes the connection from the server's side, as a crash, a restart
// or a proxy would: what the server sent before arrives, then the end.
func (c *Conn) Cut() {
	if c.closed.CompareAndSwap(false, true) {
		c.out.close()
	}
	c.cancelRunning()
}

// Gone is closed once the connection is closed, after a Cut has delivered
// what the server sent before it.
func (c *Conn) Gone() <-chan struct{} { return c.out.gone }

// kill closes the connection at once, whatever is still to be sent.
func (c *Conn) kill() {
	c.Cut()
	c.nc.Close()
}

// Hold keeps what the server sends from the client until Release, which
// delivers it in one piece, as a socket delivers in one read everything
// that arrived while the client was not reading: a client then finds
// answers in its buffer that it has not asked for yet.
func (c *Conn) Hold() { c.out.hold(true) }

// Release ends a Hold.
func (c *Conn) Release() { c.out.hold(false) }

// Held is how many flushes of the server's wait for Release: one per
// Sync answered, for instance.
func (c *Conn) Held() int { return c.out.heldWrites() }

// Closed reports whether the connection is gone.
func (c *Conn) Closed() bool { return c.closed.Load() }

// Prepared are the names of the statements prepared on the connection.
func (c *Conn) Prepared() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.prepared))
	for name := range c.prepared {
		names = append(names, name)
	}
	return names
}

// Received is the SQL of every statement run on the connection, in order.
func (c *Conn) Received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.received...)
}

func (c *Conn) cancelRunning() {
	c.mu.Lock()
	cancel := c.runCancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (c *Conn) serve() {
	defer close(c.done)
	defer c.Cut()
	if !c.startup() {
		return
	}
	for {
		m, err := c.be.Receive()
		if err != nil {
			return
		}
		if c.s.OnMessage != nil {
			c.s.OnMessage(c, m)
		}
		if c.closed.Load() || !c.handle(m) {
			return
		}
	}
}

// startup answers the client's startup message; false: not a session.
func (c *Conn) startup() bool {
	for {
		m, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return false
		}
		switch m := m.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
			continue
		case *pgproto3.CancelRequest:
			c.s.cancel(m.ProcessID, m.SecretKey)
			return false
		case *pgproto3.StartupMessage:
			c.session.Store(true)
			c.be.Send(&pgproto3.AuthenticationOk{})
			for k, v := range map[string]string{
				"server_version": "15.0", "server_encoding": "UTF8", "client_encoding": "UTF8",
				"DateStyle": "ISO, MDY", "integer_datetimes": "on", "standard_conforming_strings": "on",
				"TimeZone": "UTC",
			} {
				c.be.Send(&pgproto3.ParameterStatus{Name: k, Value: v})
			}
			c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
			return c.be.Flush() == nil
		default:
			return false
		}
	}
}

// sendError sends err as an ErrorResponse; a FATAL one ends the session.
func (c *Conn) sendError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		pgErr = &pgconn.PgError{Severity: "ERROR", Code: "XX000", Message: err.Error()}
	}
	c.be.Send(&pgproto3.ErrorResponse{Severity: pgErr.Severity, SeverityUnlocalized: pgErr.Severity,
		Code: pgErr.Code, Message: pgErr.Message})
	if c.txStatus == 'T' {
		c.txStatus = 'E'
	}
	c.failed = true
	if pgErr.Severity == "FATAL" {
		c.be.Flush()
		return false
	}
	return true
}

// firstWord is the upper-cased first word of sql.
func firstWord(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(strings.TrimRight(f[0], ";"))
}

// Forget drops every statement prepared on the connection, as DEALLOCATE
// ALL run behind the client's back would.
func (c *Conn) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.prepared)
}

// FailSync makes the server answer the next Sync with err, then its
// ReadyForQuery, as a commit that fails at the end of an implicit
// transaction does; a session skipping to that Sync after an error has
// nothing to commit, and answers it as usual. Tests of read groups need
// it: a group's members share the transaction their one Sync commits.
func (c *Conn) FailSync(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncErr = err
}
