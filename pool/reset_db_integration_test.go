package pool_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestResetClosesWhatDBDialedAcrossIt: a connection database/sql dialed
// for a caller of DB() whose hook ran before Reset (the old credential,
// the old server) but whose dial ended after it is closed when the pool
// takes it, not served on: what counts is when its dial began.
func TestResetClosesWhatDBDialedAcrossIt(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	cfg, err := driver.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var hold atomic.Pointer[chan struct{}]
	entered := make(chan struct{}, 1)
	cfg.BeforeConnect = func(ctx context.Context, _ *pgx.ConnConfig) error {
		if release := hold.Swap(nil); release != nil {
			entered <- struct{}{}
			<-*release
		}
		return nil
	}
	p, err := pool.OpenWithConfig(ctx, cfg, resetOptions(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	release := make(chan struct{})
	hold.Store(&release)
	got := make(chan int)
	go func() {
		sc, err := p.DB().Conn(ctx) // a caller of DB(); its dial is held in the hook
		if err != nil {
			t.Error(err)
			got <- 0
			return
		}
		pid := sqlConnPID(t, ctx, sc)
		sc.Close() // back to database/sql's idle connections
		got <- pid
	}()
	<-entered
	p.Reset()
	close(release)
	crossed := <-got
	waitReset(t, p, 1, 1)

	a := await(t, ctx, p.GetConn(ctx)) // the replacement
	defer p.PutConn(a)
	b := await(t, ctx, p.GetConn(ctx)) // a new owner: database/sql hands it the idle one
	defer p.PutConn(b)
	if pid := connPID(t, ctx, b); pid == crossed {
		t.Errorf("the pool serves on server process %d, dialed with the configuration of before Reset", pid)
	}
}
