package pgtest

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

func (l *local) running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		return false
	}
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

// start launches the postmaster and waits until it accepts connections.
// After a crash the old backends may still hold shared memory for a moment;
// start retries until they are gone.
func (l *local) start(ctx context.Context) error {
	if l.running() {
		return errors.New("pgtest: server is already running")
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
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(l.bin, "postgres"), "-D", l.dataDir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C meant for the test process does not
	// reach the server, and Close can reap orphaned backends after a Kill.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: l.cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	l.mu.Lock()
	l.proc, l.done = cmd.Process, done
	l.mu.Unlock()
	return l.waitReady(ctx, done)
}

func (l *local) waitReady(ctx context.Context, exited <-chan struct{}) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgconn.Connect(attempt, l.socketDSN("postgres"))
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("pgtest: postgres exited during start; log:\n%s", l.logTail(2048))
		case <-ctx.Done():
			l.signal(syscall.SIGQUIT)
			return fmt.Errorf("pgtest: postgres not ready: %w; log:\n%s", ctx.Err(), l.logTail(2048))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (l *local) adminExec(ctx context.Context, database, sql string) error {
	conn, err := pgconn.Connect(ctx, l.socketDSN(database))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Exec(ctx, sql).Close()
}

func (l *local) signal(sig syscall.Signal) (<-chan struct{}, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.proc == nil {
		return nil, false
	}
	select {
	case <-l.done:
		return l.done, false
	default:
	}
	l.proc.Signal(sig)
	return l.done, true
}

var shutdownSignals = map[ShutdownMode]syscall.Signal{
	ShutdownSmart:     syscall.SIGTERM,
	ShutdownFast:      syscall.SIGINT,
	ShutdownImmediate: syscall.SIGQUIT,
}

func (l *local) stop(ctx context.Context, mode ShutdownMode) error {
	sig, ok := shutdownSignals[mode]
	if !ok {
		return fmt.Errorf("pgtest: unknown shutdown mode %v", mode)
	}
	done, ok := l.signal(sig)
	if !ok {
		return errors.New("pgtest: server is not running")
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pgtest: %s shutdown: %w", mode, ctx.Err())
	}
}

func (l *local) kill() error {
	done, ok := l.signal(syscall.SIGKILL)
	if !ok {
		return errors.New("pgtest: server is not running")
	}
	<-done
	return nil
}

func (l *local) close() error {
	if done, ok := l.signal(syscall.SIGQUIT); ok {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			l.signal(syscall.SIGKILL)
			<-done
		}
	}
	l.mu.Lock()
	if l.proc != nil {
		// Backends orphaned by a Kill share the process group of their postmaster.
		syscall.Kill(-l.proc.Pid, syscall.SIGKILL)
	}
	l.mu.Unlock()
	return os.RemoveAll(l.dir)
}
