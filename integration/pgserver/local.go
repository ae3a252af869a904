package pgserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
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

// local is a server pgserver runs from local binaries.
type local struct {
	bin     string
	dir     string // everything the server writes lives under dir
	dataDir string
	sockDir string
	logPath string
	port    int
	cred    *syscall.Credential
	opts    Options

	child // the postmaster
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
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	l := newLocal(bin, dir, opts, cred)
	srv, err := l.init(ctx, tmpl)
	if err != nil {
		l.close()
		return nil, err
	}
	return srv, nil
}

// newLocal lays out a cluster in dir: data, socket directory and log.
func newLocal(bin, dir string, opts Options, cred *syscall.Credential) *local {
	return &local{
		bin: bin, dir: dir, opts: opts, cred: cred,
		dataDir: filepath.Join(dir, "data"),
		sockDir: filepath.Join(dir, "sock"),
		logPath: filepath.Join(dir, "server.log"),
	}
}

func (l *local) init(ctx context.Context, tmpl string) (*Server, error) {
	if err := copyTree(tmpl, l.dataDir, l.cred); err != nil {
		return nil, fmt.Errorf("pgserver: copy template cluster: %w", err)
	}
	if err := os.Mkdir(l.sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
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
			return nil, fmt.Errorf("pgserver: hstore (install postgresql-contrib): %w", err)
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
		return fmt.Errorf("pgserver: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("pgserver: %w", err)
	}
	return f.Close()
}

func (l *local) kind() string { return "local" }

func (l *local) socketDSN(database string) string {
	q := url.Values{"host": {l.sockDir}, "port": {strconv.Itoa(l.port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + database, RawQuery: q.Encode()}).String()
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
		return 0, fmt.Errorf("pgserver: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
