package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgserver"
	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

// dockerPassword is the superuser's password in a container; the server
// listens on 127.0.0.1 only.
const dockerPassword = "pgtest"

// startDocker runs postgres:15 in a container through dockertest and
// returns it once it answers with hstore installed. Only this package
// imports dockertest, so programs using pgserver do not compile it.
func startDocker(ctx context.Context, opts Options) (*pgserver.Server, error) {
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
		Env:        []string{"POSTGRES_PASSWORD=" + dockerPassword},
		Cmd:        args,
	}, func(hc *docker.HostConfig) {
		hc.AutoRemove = true
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return nil, fmt.Errorf("pgtest: docker run postgres:15: %w", err)
	}
	purge := func() error {
		if err := pool.Purge(resource); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("pgtest: docker purge: %w", err)
		}
		return nil
	}
	dsn := (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("postgres", dockerPassword),
		Host:     resource.GetHostPort("5432/tcp"),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}).String()
	pool.MaxWait = opts.StartTimeout
	if pool.MaxWait <= 0 {
		pool.MaxWait = 30 * time.Second
	}
	if err := pool.Retry(func() error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS hstore")
		return err
	}); err != nil {
		purge()
		return nil, fmt.Errorf("pgtest: docker postgres not ready: %w", err)
	}
	srv, err := pgserver.Attach(ctx, "docker", dsn, purge)
	if err != nil {
		purge()
		return nil, fmt.Errorf("pgtest: docker postgres: %w", err)
	}
	return srv, nil
}
