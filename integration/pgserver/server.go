package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer means neither MOMOKO_TEST_DSN nor local binaries gave a
// server. Package pgtest then tries Docker.
var ErrNoServer = errors.New("pgserver: no PostgreSQL server available: install PostgreSQL " +
	"(apt-get install -y postgresql postgresql-contrib), set " + EnvPGBin + " to its bin directory, " +
	"or set " + EnvDSN + " to an existing server")

// ErrUnsupported is returned by the restart helpers of servers pgserver does
// not run (MOMOKO_TEST_DSN, Attach).
var ErrUnsupported = errors.New("pgserver: not supported for this kind of server")

// ShutdownMode is PostgreSQL's shutdown mode (pg_ctl stop -m).
type ShutdownMode int

const (
	// ShutdownFast rolls back open transactions and disconnects clients.
	ShutdownFast ShutdownMode = iota
	// ShutdownSmart waits for clients to disconnect.
	ShutdownSmart
	// ShutdownImmediate aborts without a clean shutdown; the next start
	// runs crash recovery.
	ShutdownImmediate
)

func (m ShutdownMode) String() string {
	switch m {
	case ShutdownFast:
		return "fast"
	case ShutdownSmart:
		return "smart"
	case ShutdownImmediate:
		return "immediate"
	}
	return fmt.Sprintf("ShutdownMode(%d)", int(m))
}

// Options configure a server started by pgserver. The zero value is ready to use.
type Options struct {
	// Settings are extra postgresql.conf parameters applied to local servers,
	// on top of the test tuning (for example "max_connections": "20").
	Settings map[string]string
	// Logf receives progress messages. Nil discards them.
	Logf func(format string, args ...any)
	// StartTimeout bounds how long a start may take. Default 30s.
	StartTimeout time.Duration
}

func (o Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return 30 * time.Second
}

// backend is where a server comes from.
type backend interface {
	stop(ctx context.Context, mode ShutdownMode) error
	start(ctx context.Context) error
	kill() error
	close() error
	logTail(maxBytes int) string
	socketDSN(database string) string
	kind() string
}

// Server is a running PostgreSQL server.
type Server struct {
	base    *url.URL // TCP DSN of the default database
	b       backend
	started time.Duration

	mu        sync.Mutex
	databases int
}

// Start returns a running PostgreSQL server, found in this order:
// MOMOKO_TEST_DSN, else local binaries (see the package documentation).
// Close it when done. When neither gives a server the error wraps
// ErrNoServer; a bad MOMOKO_TEST_DSN or PG_BIN is an error of its own.
func Start(ctx context.Context, opts Options) (*Server, error) {
	begin := time.Now()
	srv, err := start(ctx, opts)
	if err != nil {
		return nil, err
	}
	srv.started = time.Since(begin)
	opts.logf("pgserver: %s server ready at %s in %v", srv.b.kind(), srv.Addr(), srv.started.Round(time.Millisecond))
	return srv, nil
}

func start(ctx context.Context, opts Options) (*Server, error) {
	if dsn := envDSN(); dsn != "" {
		srv, err := Attach(ctx, "external", dsn, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvDSN, err)
		}
		return srv, nil
	}
	bin, err := findBinaries(defaultSearch())
	if errors.Is(err, ErrBadPGBin) {
		return nil, err
	}
	if err == nil {
		var srv *Server
		if srv, err = startLocal(ctx, bin, opts); err == nil {
			return srv, nil
		}
	}
	return nil, fmt.Errorf("%w\n%w", ErrNoServer, err)
}

// Kind says where the server comes from: "local" for local binaries,
// "external" for MOMOKO_TEST_DSN, or the kind given to Attach.
func (s *Server) Kind() string { return s.b.kind() }

// StartupTime is how long Start took.
func (s *Server) StartupTime() time.Duration { return s.started }

// DSN is a URL DSN of the default database over TCP. It includes the password.
func (s *Server) DSN() string { return s.base.String() }

// DatabaseDSN is DSN with another database name.
func (s *Server) DatabaseDSN(database string) string { return withDatabase(s.base, database) }

// withDatabase is base with another database name.
func withDatabase(base *url.URL, database string) string {
	u := *base
	u.Path = "/" + database
	return u.String()
}

// SocketDSN is a DSN of database over the unix socket, or "" when the server
// has no socket the test process can reach.
func (s *Server) SocketDSN(database string) string { return s.b.socketDSN(database) }

// Addr is the server's TCP address, host:port.
func (s *Server) Addr() string { return s.base.Host }

// WithAddr returns dsn (a URL DSN) pointed at addr, such as a faultproxy's.
func WithAddr(dsn, addr string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("pgserver: WithAddr needs a URL DSN: %w", redactURLError(err))
	}
	u.Host = addr
	return u.String(), nil
}

// Stop shuts the server down with mode, keeping its data and port; Start
// brings it back.
func (s *Server) Stop(ctx context.Context, mode ShutdownMode) error { return s.b.stop(ctx, mode) }

// Start starts a stopped server on the same data directory and port: to
// clients, a restart.
func (s *Server) Start(ctx context.Context) error { return s.b.start(ctx) }

// Restart stops the server with mode and starts it again.
func (s *Server) Restart(ctx context.Context, mode ShutdownMode) error {
	if err := s.Stop(ctx, mode); err != nil {
		return err
	}
	return s.Start(ctx)
}

// Kill sends SIGKILL to the postmaster, as a crash would. Start recovers.
func (s *Server) Kill() error { return s.b.kill() }

// Close stops the server and removes everything it wrote.
func (s *Server) Close() error { return s.b.close() }

// LogTail is the end of the server log, at most maxBytes long.
func (s *Server) LogTail(maxBytes int) string { return s.b.logTail(maxBytes) }

// Conn opens an administrative connection to the default database.
func (s *Server) Conn(ctx context.Context) (*pgx.Conn, error) {
	return pgx.Connect(ctx, s.DSN())
}

// Exec runs administrative SQL, such as pg_terminate_backend, on the default
// database.
func (s *Server) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := s.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// CreateDatabase creates a fresh database (with hstore) and returns its name.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.databases++
	name := fmt.Sprintf("test_%d_%d", time.Now().UnixNano()%1e9, s.databases)
	s.mu.Unlock()
	if err := s.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgserver: create database: %w", err)
	}
	if s.Kind() == "local" {
		return name, nil // template1 got hstore when the server started
	}
	// Another server's template1 may lack hstore; make it present anyway.
	conn, err := pgx.Connect(ctx, s.DatabaseDSN(name))
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS hstore"); err != nil {
		return "", fmt.Errorf("pgserver: create extension hstore: %w", err)
	}
	return name, nil
}

// DropDatabase drops a database, disconnecting its clients.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	return s.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// redactURLError keeps a password that url.Parse quotes out of the error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func tail(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	s = s[len(s)-maxBytes:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
