package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/pool"
)

// TestListenRefusesWhatCannotWork: names that are no channel, a negative
// buffer, a pool without the momoko driver and a closed pool fail at once,
// without dialing.
func TestListenRefusesWhatCannotWork(t *testing.T) {
	ctx := context.Background()
	p, err := pool.New("postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=1", pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, name := range []string{"", "a\x00b", strings.Repeat("n", 64)} {
		if _, err := p.Listen(ctx, "ok", name); !errors.Is(err, pool.ErrBadChannel) {
			t.Errorf("Listen(%q): %v, want ErrBadChannel", name, err)
		}
	}
	if _, err := p.ListenWithOptions(ctx, pool.ListenOptions{Buffer: -1}, "c"); !errors.Is(err, pool.ErrInvalidOptions) {
		t.Errorf("Buffer -1: %v, want ErrInvalidOptions", err)
	}

	db, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	mocked, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mocked.Close()
	if _, err := mocked.Listen(ctx, "c"); !errors.Is(err, pool.ErrNeedsMomokoDriver) {
		t.Errorf("Listen on FromDB: %v, want ErrNeedsMomokoDriver", err)
	}

	closed, err := pool.New("postgres://u@127.0.0.1:1/db", pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := closed.Listen(ctx, "c"); !errors.Is(err, pool.ErrPoolClosed) {
		t.Errorf("Listen on a closed pool: %v, want ErrPoolClosed", err)
	}
}

// TestListenDialErrorHidesPassword: a Listener that cannot connect says
// why, without the DSN's password.
func TestListenDialErrorHidesPassword(t *testing.T) {
	p, err := pool.New("postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=1", pool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.Listen(context.Background(), "c")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("Listen on a closed port: %v, want the dial's error", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
}
