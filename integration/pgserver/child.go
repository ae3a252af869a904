package pgserver

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// child is a process pgserver runs (postgres, pgbouncer): started in a
// process group of its own, so that a Ctrl-C meant for the test process does
// not reach it, and reaped by a goroutine of its own.
type child struct {
	mu   sync.Mutex
	proc *os.Process
	done chan struct{} // closed when proc has exited
}

// start starts cmd, as cred when not nil, as c's current process and
// returns a channel closed when it exits.
func (c *child) start(cmd *exec.Cmd, cred *syscall.Credential) (<-chan struct{}, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	c.mu.Lock()
	c.proc, c.done = cmd.Process, done
	c.mu.Unlock()
	return done, nil
}

func (c *child) running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		return false
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the running process; it returns the channel closed
// on its exit, and false when it was not running.
func (c *child) signal(sig syscall.Signal) (<-chan struct{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return nil, false
	}
	select {
	case <-c.done:
		return c.done, false
	default:
	}
	c.proc.Signal(sig)
	return c.done, true
}

// terminate sends sig and waits for the exit, killing the process after grace.
func (c *child) terminate(sig syscall.Signal, grace time.Duration) {
	done, ok := c.signal(sig)
	if !ok {
		return
	}
	select {
	case <-done:
	case <-time.After(grace):
		c.signal(syscall.SIGKILL)
		<-done
	}
}

// killGroup kills what is left of the last process's group, such as
// backends orphaned when their postmaster was killed.
func (c *child) killGroup() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc != nil {
		syscall.Kill(-c.proc.Pid, syscall.SIGKILL)
	}
}

// pollReady calls try every interval until it succeeds, the process exits
// or ctx ends; the errors carry what's log tail.
func pollReady(ctx context.Context, exited <-chan struct{}, interval time.Duration, what string,
	logTail func(int) string, try func(context.Context) error) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		err := try(attempt)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("pgserver: %s exited during start; log:\n%s", what, logTail(2048))
		case <-ctx.Done():
			return fmt.Errorf("pgserver: %s not ready: %w (last error: %v); log:\n%s", what, ctx.Err(), err, logTail(2048))
		case <-time.After(interval):
		}
	}
}
