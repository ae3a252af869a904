package bench

import (
	"context"

	"github.com/momoko-go/momoko/pool"
)

// poolStreamClient is the pool with W3's result streamed (Pool.Stream):
// rows read from the connection as they arrive rather than buffered
// first. Its other workloads are the pool's.
type poolStreamClient struct{ poolClient }

func openPoolStream(ctx context.Context, dsn string) (client, error) {
	c, err := openPool(ctx, dsn, pool.Options{})
	if err != nil {
		return nil, err
	}
	return poolStreamClient{c.(poolClient)}, nil
}

func (c poolStreamClient) readRows(ctx context.Context) error {
	rows, err := c.p.Stream(ctx, readRowsQuery).Await(ctx)
	if err != nil {
		return err
	}
	return checkPGXRows(rows)
}
