package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// StartStandby starts a streaming standby of s, a local server: a second
// cluster made by pg_basebackup -R from s, listening on its own port. It
// returns once s reports the standby streaming. Servers pgserver does not run
// from local binaries return ErrUnsupported. Close the standby when done.
func (s *Server) StartStandby(ctx context.Context) (*Server, error) {
	primary, ok := s.b.(*local)
	if !ok {
		return nil, fmt.Errorf("pgserver: standby of a %s server: %w", s.Kind(), ErrUnsupported)
	}
	// Standbys already streaming do not count for the new one.
	before, err := s.streamingStandbys(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "momoko-pgtest-standby-")
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	l := newLocal(primary.bin, dir, primary.opts, primary.cred)
	srv, err := l.initStandby(ctx, primary, s.base)
	if err != nil {
		l.close()
		return nil, err
	}
	if err := s.awaitStreaming(ctx, before); err != nil {
		l.close()
		return nil, err
	}
	return srv, nil
}

// initStandby copies primary with pg_basebackup over its unix socket (where
// initdb's pg_hba.conf trusts replication connections) and starts the copy.
// pg_basebackup -R writes standby.signal and a primary_conninfo naming that
// socket; the settings appended here come after the primary's in
// postgresql.conf, so the standby gets its own port and socket.
func (l *local) initStandby(ctx context.Context, primary *local, primaryURL *url.URL) (*Server, error) {
	if err := chown(l.dir, l.cred); err != nil {
		return nil, err
	}
	if err := os.Mkdir(l.sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	if err := chown(l.sockDir, l.cred); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(l.bin, "pg_basebackup"),
		"-D", l.dataDir, "-h", primary.sockDir, "-p", strconv.Itoa(primary.port), "-U", superuser,
		"-X", "stream", "-R", "-c", "fast", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: l.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgserver: pg_basebackup: %w\n%s", err, out)
	}
	if err := l.configureAndStart(ctx); err != nil {
		return nil, err
	}
	base := *primaryURL
	base.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(l.port))
	return &Server{base: &base, b: l}, nil
}

// awaitStreaming waits until pg_stat_replication on s shows more than
// before standbys streaming.
func (s *Server) awaitStreaming(ctx context.Context, before int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		n, err := s.streamingStandbys(ctx)
		if err == nil && n > before {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgserver: standby not streaming: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) streamingStandbys(ctx context.Context) (int, error) {
	conn, err := s.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").Scan(&n)
	return n, err
}

// Promote turns a standby into a primary (pg_promote) and returns once it
// accepts writes.
func (s *Server) Promote(ctx context.Context) error {
	conn, err := s.Conn(ctx)
	if err != nil {
		return fmt.Errorf("pgserver: promote: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var promoted bool
	if err := conn.QueryRow(ctx, "SELECT pg_promote(wait => true, wait_seconds => 30)").Scan(&promoted); err != nil {
		return fmt.Errorf("pgserver: promote: %w", err)
	}
	if !promoted {
		return errors.New("pgserver: promote: the standby did not finish promotion within 30s")
	}
	return nil
}
