package pgtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/momoko-go/momoko/integration/pgserver"
)

// Server is a running PostgreSQL server: a pgserver.Server with the
// testing helpers (NewDatabase, NewStandby, NewPgBouncer) on top.
type Server struct {
	*pgserver.Server
}

// Options configure a server; see pgserver.Options.
type Options = pgserver.Options

// ShutdownMode is PostgreSQL's shutdown mode (pg_ctl stop -m).
type ShutdownMode = pgserver.ShutdownMode

// The shutdown modes, as in package pgserver.
const (
	ShutdownFast      = pgserver.ShutdownFast
	ShutdownSmart     = pgserver.ShutdownSmart
	ShutdownImmediate = pgserver.ShutdownImmediate
)

// PgBouncer is a running PgBouncer in front of a Server.
type PgBouncer = pgserver.PgBouncer

// PgBouncerOptions configure a PgBouncer; see pgserver.PgBouncerOptions.
type PgBouncerOptions = pgserver.PgBouncerOptions

// Errors, as in package pgserver.
var (
	ErrNoServer    = pgserver.ErrNoServer
	ErrUnsupported = pgserver.ErrUnsupported
	ErrBadPGBin    = pgserver.ErrBadPGBin
	ErrNoPgBouncer = pgserver.ErrNoPgBouncer
)

// Start is pgserver.Start with a Docker fallback: when neither
// MOMOKO_TEST_DSN nor local binaries give a server, it starts a container
// if a Docker daemon answers. Close the server when done.
func Start(ctx context.Context, opts Options) (*Server, error) {
	srv, err := pgserver.Start(ctx, opts)
	if err == nil {
		return &Server{srv}, nil
	}
	if !errors.Is(err, pgserver.ErrNoServer) {
		return nil, err
	}
	srv, dockerErr := startDocker(ctx, opts)
	if dockerErr != nil {
		return nil, fmt.Errorf("%w\n%w", err, dockerErr)
	}
	return &Server{srv}, nil
}

// WithAddr returns dsn (a URL DSN) pointed at addr, such as a faultproxy's.
func WithAddr(dsn, addr string) (string, error) { return pgserver.WithAddr(dsn, addr) }

// StartStandby is pgserver's StartStandby, returning a Server of this
// package.
func (s *Server) StartStandby(ctx context.Context) (*Server, error) {
	standby, err := s.Server.StartStandby(ctx)
	if err != nil {
		return nil, err
	}
	return &Server{standby}, nil
}
