package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const (
	superuser = "postgres"
	password  = "pgtest"
)

// testSettings tune a throwaway server for speed; durability is irrelevant.
var testSettings = map[string]string{
	"fsync":            "off",
	"full_page_writes": "off",
	"max_connections":  "200",
	"shared_buffers":   "'32MB'",
	"log_min_messages": "warning",
	"log_line_prefix":  "'%m [%p] '",
}

// local is a server pgtest runs from local binaries.
type local struct {
	bin     string
	dir     string // everything the server writes lives under dir
	dataDir string
	sockDir string
	logPath string
	port    int
	cred    *syscall.Credential
	opts    Options

	mu   sync.Mutex
	proc *os.Process
	done chan struct{} // closed when proc has exited
}

func startLocal(ctx context.Context, bin string, opts Options) (*Server, error) {
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	tmpl, err := ensureTemplate(ctx, bin, cred)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "momoko-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	l := &local{
		bin: bin, dir: dir, opts: opts, cred: cred,
		dataDir: filepath.Join(dir, "data"),
		sockDir: filepath.Join(dir, "sock"),
		logPath: filepath.Join(dir, "server.log"),
	}
	srv, err := l.init(ctx, tmpl)
	if err != nil {
		l.close()
		return nil, err
	}
	return srv, nil
}

func (l *local) init(ctx context.Context, tmpl string) (*Server, error) {
	if err := copyTree(tmpl, l.dataDir, l.cred); err != nil {
		return nil, fmt.Errorf("pgtest: copy template cluster: %w", err)
	}
	if err := os.Mkdir(l.sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	for _, p := range []string{l.dir, l.sockDir} {
		if err := chown(p, l.cred); err != nil {
			return nil, err
		}
	}
	if err := l.configureAndStart(ctx); err != nil {
		return nil, err
	}
	for _, db := range []string{"template1", "postgres"} {
		if err := l.adminExec(ctx, db, "CREATE EXTENSION IF NOT EXISTS hstore"); err != nil {
			return nil, fmt.Errorf("pgtest: hstore (install postgresql-contrib): %w", err)
		}
	}
	base := &url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(l.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return &Server{base: base, b: l}, nil
}

// configureAndStart gives the cluster a free port and the test settings,
// then starts it.
func (l *local) configureAndStart(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	l.port = port
	if err := l.writeConfig(); err != nil {
		return err
	}
	return l.start(ctx)
}

func (l *local) writeConfig() error {
	settings := map[string]string{
		"listen_addresses":        "'127.0.0.1'",
		"port":                    strconv.Itoa(l.port),
		"unix_socket_directories": "'" + l.sockDir + "'",
	}
	for k, v := range testSettings {
		settings[k] = v
	}
	for k, v := range l.opts.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n# pgtest\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, settings[k])
	}
	f, err := os.OpenFile(filepath.Join(l.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("pgtest: %w", err)
	}
	return f.Close()
}

func (l *local) kind() string { return "local" }

func (l *local) socketDSN(database string) string {
	q := url.Values{"host": {l.sockDir}, "port": {strconv.Itoa(l.port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + database, RawQuery: q.Encode()}).String()
}

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

func (l *local) logTail(maxBytes int) string {
	f, err := os.Open(l.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(maxBytes) {
		f.Seek(fi.Size()-int64(maxBytes), io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return tail(string(b), maxBytes)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
