package pool_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// replicated is a private primary with streaming standbys and a database
// made before them, so that they have it too.
type replicated struct {
	primary  *pgtest.Server
	standbys []*pgtest.Server
	db       string
}

func newReplicated(t testing.TB, ctx context.Context, standbys int) *replicated {
	t.Helper()
	primary := pgtest.New(t, pgtest.Options{})
	db, err := primary.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := primary.Exec(ctx, "ALTER SYSTEM SET wal_receiver_status_interval = '100ms'"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, primary.DatabaseDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE items (id bigint PRIMARY KEY, note text)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	rs := &replicated{primary: primary, db: db}
	for range standbys {
		rs.standbys = append(rs.standbys, primary.NewStandby(t))
	}
	return rs
}

func (rs *replicated) primaryDSN() string { return rs.primary.DatabaseDSN(rs.db) }

func (rs *replicated) standbyDSNs() []string {
	var dsns []string
	for _, s := range rs.standbys {
		dsns = append(dsns, s.DatabaseDSN(rs.db))
	}
	return dsns
}

// readPort is the port of the server that ran a read: each server of a
// replicated set has its own.
func readPort(ctx context.Context, e pool.Executor) (int, error) {
	cur, err := e.Execute(ctx, "SELECT inet_server_port()").Await(ctx)
	if err != nil {
		return 0, err
	}
	var port int
	err = cur.FetchOne(&port)
	return port, err
}

// waitUsable waits until the pool's standbys' usability is want.
func waitUsable(t *testing.T, p *pool.Pool, want ...bool) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("standbys usable %v", want), func() bool {
		st := p.Stats().Replicas
		for i, w := range want {
			if st[i].Usable != w {
				return false
			}
		}
		return true
	})
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writeEvery inserts a row every interval until the test ends, so that
// the primary's WAL moves and a paused standby falls behind.
func writeEvery(t *testing.T, ctx context.Context, p *pool.Pool, interval time.Duration, first int) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for id := first; ctx.Err() == nil; id++ {
			_, _ = p.Execute(ctx, "INSERT INTO items VALUES ($1, 'tick')", id).Await(ctx)
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
}

// queryOn runs a one-row query on a connection of its own to dsn and
// reports whether it succeeded.
func queryOn(ctx context.Context, dsn, sql string, dest ...any) bool {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.QueryRow(ctx, sql).Scan(dest...) == nil
}
