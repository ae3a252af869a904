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
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoPgBouncer means the pgbouncer binary was not found.
var ErrNoPgBouncer = errors.New("pgserver: pgbouncer not found on PATH or in /usr/sbin: " +
	"install it (apt-get install -y pgbouncer)")

// PgBouncerOptions configure a PgBouncer started by StartPgBouncer.
type PgBouncerOptions struct {
	// PoolMode is PgBouncer's pool_mode: "session", "transaction" or
	// "statement". Default "transaction".
	PoolMode string
	// DefaultPoolSize is how many server connections PgBouncer opens per
	// database and user. Default 4.
	DefaultPoolSize int
}

// PgBouncer is a running PgBouncer in front of a Server.
type PgBouncer struct {
	base *url.URL // DSN of the server's default database through PgBouncer
	dir  string
	log  string

	child
}

// StartPgBouncer starts PgBouncer on a free port of 127.0.0.1 in front of s,
// accepting any database of s for its superuser without a password
// (auth_type trust). When the process runs as root PgBouncer runs as the
// "postgres" user, since it refuses to run as root.
func (s *Server) StartPgBouncer(ctx context.Context, opts PgBouncerOptions) (*PgBouncer, error) {
	bin, err := findPgBouncer()
	if err != nil {
		return nil, err
	}
	if opts.PoolMode == "" {
		opts.PoolMode = "transaction"
	}
	if opts.DefaultPoolSize == 0 {
		opts.DefaultPoolSize = 4
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "momoko-pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	b := &PgBouncer{dir: dir, log: filepath.Join(dir, "pgbouncer.log")}
	if err := b.start(ctx, bin, s, opts, cred); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func findPgBouncer() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	const debian = "/usr/sbin/pgbouncer"
	if fi, err := os.Stat(debian); err == nil && fi.Mode()&0o111 != 0 {
		return debian, nil
	}
	return "", ErrNoPgBouncer
}

func (b *PgBouncer) start(ctx context.Context, bin string, s *Server, opts PgBouncerOptions, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	host, serverPort, err := net.SplitHostPort(s.Addr())
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	user := s.base.User.Username()
	pass, _ := s.base.User.Password()
	ini := strings.Join([]string{
		"[databases]",
		fmt.Sprintf("* = host=%s port=%s user=%s password=%s", host, serverPort, user, pass),
		"[pgbouncer]",
		"listen_addr = 127.0.0.1",
		"listen_port = " + strconv.Itoa(port),
		"unix_socket_dir =",
		"auth_type = trust",
		"auth_file = " + filepath.Join(b.dir, "userlist.txt"),
		"pool_mode = " + opts.PoolMode,
		"default_pool_size = " + strconv.Itoa(opts.DefaultPoolSize),
		"max_client_conn = 500",
		"ignore_startup_parameters = extra_float_digits",
		"logfile = " + b.log,
		"",
	}, "\n")
	files := map[string]string{
		"pgbouncer.ini": ini,
		"userlist.txt":  fmt.Sprintf("%q %q\n", user, ""),
	}
	for name, content := range files {
		path := filepath.Join(b.dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return fmt.Errorf("pgserver: %w", err)
		}
		if err := chown(path, cred); err != nil {
			return err
		}
	}
	if err := chown(b.dir, cred); err != nil {
		return err
	}
	cmd := exec.Command(bin, filepath.Join(b.dir, "pgbouncer.ini"))
	exited, err := b.child.start(cmd, cred)
	if err != nil {
		return fmt.Errorf("pgserver: start pgbouncer: %w", err)
	}
	b.base = &url.URL{
		Scheme:   "postgres",
		User:     url.User(user),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     s.base.Path,
		RawQuery: "sslmode=disable",
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Ready once a client gets through PgBouncer to the server.
	return pollReady(ctx, exited, 20*time.Millisecond, "pgbouncer", b.LogTail, func(ctx context.Context) error {
		conn, err := pgconn.Connect(ctx, b.DSN())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Exec(ctx, "SELECT 1").Close()
	})
}

// DSN is a URL DSN of the server's default database through PgBouncer.
func (b *PgBouncer) DSN() string { return b.base.String() }

// DatabaseDSN is a DSN of database through PgBouncer.
func (b *PgBouncer) DatabaseDSN(database string) string { return withDatabase(b.base, database) }

// Addr is PgBouncer's address, host:port.
func (b *PgBouncer) Addr() string { return b.base.Host }

// LogTail is the end of PgBouncer's log, at most maxBytes long.
func (b *PgBouncer) LogTail(maxBytes int) string {
	data, err := os.ReadFile(b.log)
	if err != nil {
		return ""
	}
	return tail(string(data), maxBytes)
}

// Close stops PgBouncer and removes its files.
func (b *PgBouncer) Close() error {
	b.terminate(syscall.SIGTERM, 10*time.Second)
	return os.RemoveAll(b.dir)
}
