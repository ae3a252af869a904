package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Attach returns a Server for a PostgreSQL server that something else runs
// (a container, a shared instance), at dsn, a postgres:// URL, after
// checking that it answers. kind is what Kind reports; Close calls release
// when it is not nil. Stop, Start, Restart and Kill return ErrUnsupported,
// and the server has no log tail and no socket DSN.
func Attach(ctx context.Context, kind, dsn string, release func() error) (*Server, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("pgserver: attach: want a postgres:// URL")
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "5432")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/postgres"
	}
	srv := &Server{base: u, b: attached{kindName: kind, release: release}}
	conn, err := srv.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgserver: attach: %w", err)
	}
	conn.Close(ctx)
	return srv, nil
}

// attached is a server pgserver does not run.
type attached struct {
	kindName string
	release  func() error
}

func (attached) stop(context.Context, ShutdownMode) error { return ErrUnsupported }
func (attached) start(context.Context) error              { return ErrUnsupported }
func (attached) kill() error                              { return ErrUnsupported }
func (attached) logTail(int) string                       { return "" }
func (attached) socketDSN(string) string                  { return "" }
func (a attached) kind() string                           { return a.kindName }

func (a attached) close() error {
	if a.release == nil {
		return nil
	}
	return a.release()
}
