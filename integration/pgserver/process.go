package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// start launches the postmaster and waits until it accepts connections.
// After a crash the old backends may still hold shared memory for a moment;
// start retries until they are gone.
func (l *local) start(ctx context.Context) error {
	if l.running() {
		return errors.New("pgserver: server is already running")
	}
	ctx, cancel := context.WithTimeout(ctx, l.opts.startTimeout())
	defer cancel()
	for {
		err := l.launch(ctx)
		if err == nil {
			return nil
		}
		if !strings.Contains(l.logTail(2048), "pre-existing shared memory block") || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (l *local) launch(ctx context.Context) error {
	logFile, err := os.OpenFile(l.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(l.bin, "postgres"), "-D", l.dataDir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	exited, err := l.child.start(cmd, l.cred)
	if err != nil {
		return fmt.Errorf("pgserver: start postgres: %w", err)
	}
	err = pollReady(ctx, exited, 10*time.Millisecond, "postgres", l.logTail, func(ctx context.Context) error {
		conn, err := pgconn.Connect(ctx, l.socketDSN("postgres"))
		if err == nil {
			conn.Close(ctx)
		}
		return err
	})
	if err != nil && ctx.Err() != nil {
		l.signal(syscall.SIGQUIT) // do not leave a server starting behind
	}
	return err
}

func (l *local) adminExec(ctx context.Context, database, sql string) error {
	conn, err := pgconn.Connect(ctx, l.socketDSN(database))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Exec(ctx, sql).Close()
}

var shutdownSignals = map[ShutdownMode]syscall.Signal{
	ShutdownSmart:     syscall.SIGTERM,
	ShutdownFast:      syscall.SIGINT,
	ShutdownImmediate: syscall.SIGQUIT,
}

func (l *local) stop(ctx context.Context, mode ShutdownMode) error {
	sig, ok := shutdownSignals[mode]
	if !ok {
		return fmt.Errorf("pgserver: unknown shutdown mode %v", mode)
	}
	done, ok := l.signal(sig)
	if !ok {
		return errors.New("pgserver: server is not running")
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pgserver: %s shutdown: %w", mode, ctx.Err())
	}
}

func (l *local) kill() error {
	done, ok := l.signal(syscall.SIGKILL)
	if !ok {
		return errors.New("pgserver: server is not running")
	}
	<-done
	return nil
}

func (l *local) close() error {
	l.terminate(syscall.SIGQUIT, 10*time.Second)
	l.killGroup()
	return os.RemoveAll(l.dir)
}
