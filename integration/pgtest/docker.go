package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

// docker is a server in a container started through dockertest.
type dockerServer struct {
	pool     *dockertest.Pool
	resource *dockertest.Resource
}

func startDocker(ctx context.Context, opts Options) (*Server, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, fmt.Errorf("pgtest: docker: %w", err)
	}
	if err := pool.Client.Ping(); err != nil {
		return nil, fmt.Errorf("pgtest: no Docker daemon: %w", err)
	}
	args := []string{"-c", "fsync=off", "-c", "full_page_writes=off"}
	for k, v := range opts.Settings {
		args = append(args, "-c", k+"="+v)
	}
	resource, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: "postgres",
		Tag:        "15",
		Env:        []string{"POSTGRES_PASSWORD=" + password},
		Cmd:        args,
	}, func(hc *docker.HostConfig) {
		hc.AutoRemove = true
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return nil, fmt.Errorf("pgtest: docker run postgres:15: %w", err)
	}
	d := &dockerServer{pool: pool, resource: resource}
	srv := &Server{b: d, base: &url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, password),
		Host:     resource.GetHostPort("5432/tcp"),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}}
	pool.MaxWait = opts.startTimeout()
	if err := pool.Retry(func() error {
		conn, err := pgx.Connect(ctx, srv.DSN())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS hstore")
		return err
	}); err != nil {
		d.close()
		return nil, fmt.Errorf("pgtest: docker postgres not ready: %w", err)
	}
	return srv, nil
}

func (d *dockerServer) stop(context.Context, ShutdownMode) error { return ErrUnsupported }
func (d *dockerServer) start(context.Context) error              { return ErrUnsupported }
func (d *dockerServer) kill() error                              { return ErrUnsupported }
func (d *dockerServer) socketDSN(string) string                  { return "" }
func (d *dockerServer) kind() string                             { return "docker" }
func (d *dockerServer) logTail(int) string                       { return "" }

func (d *dockerServer) close() error {
	if err := d.pool.Purge(d.resource); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("pgtest: docker purge: %w", err)
	}
	return nil
}
