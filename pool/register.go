package pool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// JSONOption configures RegisterJSON.
type JSONOption func(*driver.JSONConfig)

// WithJSONUnmarshal decodes json and jsonb values with fn (Momoko's loads).
func WithJSONUnmarshal(fn func(data []byte, v any) error) JSONOption {
	return func(c *driver.JSONConfig) { c.Unmarshal = fn }
}

// WithJSONMarshal encodes json and jsonb arguments with fn.
func WithJSONMarshal(fn func(v any) ([]byte, error)) JSONOption {
	return func(c *driver.JSONConfig) { c.Marshal = fn }
}

func jsonConfig(opts []JSONOption) driver.JSONConfig {
	var jc driver.JSONConfig
	for _, opt := range opts {
		opt(&jc)
	}
	return jc
}

// RegisterHstore registers PostgreSQL's hstore type on every connection
// of the pool, those it opens later included. It fails with
// driver.ErrHstoreNotInstalled when the extension is missing. Unlike
// Momoko's, the registration belongs to this pool, not to the process.
func (p *Pool) RegisterHstore(ctx context.Context) *future.Future[struct{}] {
	return p.register(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		return p.connector.EnableHstore(ctx, conn)
	})
}

// RegisterJSON makes every connection of the pool, those it opens later
// included, encode and decode json and jsonb with the given functions
// (encoding/json's by default).
func (p *Pool) RegisterJSON(ctx context.Context, opts ...JSONOption) *future.Future[struct{}] {
	jc := jsonConfig(opts)
	return p.register(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		return p.connector.EnableJSON(ctx, conn, jc)
	})
}

func (p *Pool) register(ctx context.Context, enable func(context.Context, *pgx.Conn) error) *future.Future[struct{}] {
	ctx = nilctx.Or(ctx)
	if p.connector == nil {
		return future.Failed[struct{}](ErrNeedsMomokoDriver)
	}
	f, r := rawRequest(ctx, enable)
	r.Shared = true
	p.run(r)
	return f
}

// rawRequest makes a request that runs fn on a connection's pgx
// connection, and its future.
func rawRequest(ctx context.Context, fn func(context.Context, *pgx.Conn) error) (*future.Future[struct{}], *request) {
	f, complete := future.New[struct{}]()
	r := &request{Batch: engine.Batch{Ctx: ctx}, raw: func(conn *pgx.Conn) error { return fn(ctx, conn) }}
	r.finish = func(_ []*Cursor, err error) bool { return complete(struct{}{}, err) }
	return f, r
}

// RegisterHstore registers hstore through c on every connection of c's
// pool (or on c alone when standalone); see Pool.RegisterHstore.
func (c *Conn) RegisterHstore(ctx context.Context) *future.Future[struct{}] {
	return c.register(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		return c.pool.connector.EnableHstore(ctx, conn)
	})
}

// RegisterJSON sets the json functions through c on every connection of
// c's pool (or on c alone when standalone); see Pool.RegisterJSON.
func (c *Conn) RegisterJSON(ctx context.Context, opts ...JSONOption) *future.Future[struct{}] {
	jc := jsonConfig(opts)
	return c.register(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		return c.pool.connector.EnableJSON(ctx, conn, jc)
	})
}

func (c *Conn) register(ctx context.Context, enable func(context.Context, *pgx.Conn) error) *future.Future[struct{}] {
	ctx = nilctx.Or(ctx)
	if c == nil {
		return future.Failed[struct{}](ErrConnClosed)
	}
	if c.pool.connector == nil {
		return future.Failed[struct{}](ErrNeedsMomokoDriver)
	}
	f, r := rawRequest(ctx, enable)
	c.submit(r)
	return f
}
