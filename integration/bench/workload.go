package bench

import (
	"context"
	"fmt"

	"github.com/momoko-go/momoko/pool"
)

// The clients, by name, in table order.
const (
	ClientPool       = "pool"
	ClientPoolNoPipe = "pool-nopipe"
	ClientPoolGroups = "pool+groups"
	ClientPoolTraced = "pool+tracer"
	ClientPoolStream = "pool-stream"
	ClientSQL        = "sql+pgx"
	ClientPGXPool    = "pgxpool"
	ClientPGXBatch   = "pgxpool+batch"
	ClientSQLMomoko  = "sql+momoko"
)

// clientNames lists every client in table order.
var clientNames = []string{ClientPool, ClientPoolGroups, ClientPoolNoPipe, ClientPoolTraced, ClientPoolStream, ClientSQL, ClientPGXPool, ClientPGXBatch, ClientSQLMomoko}

// openClient opens the client called name on dsn.
func openClient(ctx context.Context, name, dsn string) (client, error) {
	switch name {
	case ClientPool:
		return openPool(ctx, dsn, pool.Options{})
	case ClientPoolGroups:
		return openPool(ctx, dsn, pool.Options{ReadGroups: true})
	case ClientPoolNoPipe:
		return openPool(ctx, dsn, pool.Options{MaxPipeline: 1})
	case ClientPoolTraced:
		return openTracedPool(ctx, dsn)
	case ClientPoolStream:
		return openPoolStream(ctx, dsn)
	case ClientSQL:
		return openSQL(ctx, "pgx", dsn)
	case ClientPGXPool:
		return openPGXPool(ctx, dsn)
	case ClientPGXBatch:
		return openPGXBatch(ctx, dsn)
	case ClientSQLMomoko:
		return openSQL(ctx, "momoko", dsn)
	}
	return nil, fmt.Errorf("bench: unknown client %q", name)
}

// workload is one row group of the report: an operation and how many
// callers run it at once.
type workload struct {
	id      string // "W1"
	what    string
	callers int
	unit    string // what one operation is
	op      func(client, context.Context) error
}

// key names the workload in tables, JSON and benchmark names.
func (w workload) key() string { return fmt.Sprintf("%s/c%d", w.id, w.callers) }

var workloads = []workload{
	{"W1", "SELECT 1", 1, "query", client.selectOne},
	{"W1", "SELECT 1", 16, "query", client.selectOne},
	{"W1", "SELECT 1", 64, "query", client.selectOne},
	{"W2", "tutorial: SELECT 1, 2, 3 in parallel", 16, "request", client.tutorial},
	{"W3", "1000-row result read in full", 8, "result", client.readRows},
	{"W4", "transaction of 5 INSERTs", 8, "transaction", client.insertTx},
}

// prepare creates what the workloads need in the database at dsn.
func prepare(ctx context.Context, dsn string) error {
	c, err := openSQL(ctx, "pgx", dsn)
	if err != nil {
		return err
	}
	defer c.close()
	_, err = c.(sqlClient).db.ExecContext(ctx, createTable)
	return err
}
