package pool

import (
	"context"
	"io"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
)

// COPY as futures: pgx's CopyFrom and PgConn's CopyTo, each on a
// connection alone for as long as it takes. When the caller's context
// ends, the future fails with its error at once and the COPY is cancelled
// on the server (a CancelRequest, sent again every second while the COPY
// goes on): the connection is kept, unless it then waits for the server
// for a second with no data (a network partition), when it is given up. A
// COPY that fails (a row that violates a constraint) copies nothing, and
// its connection serves the next call.

// CopyFrom copies the rows of src into table's columns with COPY FROM
// STDIN, as pgx's CopyFrom, and resolves to the number of rows copied.
func (p *Pool) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) *future.Future[int64] {
	ctx = nilctx.Or(ctx)
	f, r := copyFromRequest(ctx, table, columns, src, true)
	p.run(r)
	return f
}

// CopyFrom is Pool.CopyFrom on the Conn, in order with its other
// statements (inside its transaction, if one is open).
func (c *Conn) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) *future.Future[int64] {
	ctx = nilctx.Or(ctx)
	f, r := copyFromRequest(ctx, table, columns, src, false)
	c.submit(r)
	return f
}

// CopyTo runs sql, a COPY ... TO STDOUT statement, writes the data it
// sends to w, and resolves to the number of rows copied. w is written on
// the connection's goroutine, never after the future has resolved or the
// caller's context has ended (what the server still sends is dropped), but
// for a write already under way at that moment.
func (p *Pool) CopyTo(ctx context.Context, w io.Writer, sql string) *future.Future[int64] {
	ctx = nilctx.Or(ctx)
	f, r := copyToRequest(ctx, w, sql, true)
	p.run(r)
	return f
}

// CopyTo is Pool.CopyTo on the Conn, in order with its other statements.
func (c *Conn) CopyTo(ctx context.Context, w io.Writer, sql string) *future.Future[int64] {
	ctx = nilctx.Or(ctx)
	f, r := copyToRequest(ctx, w, sql, false)
	c.submit(r)
	return f
}

func copyFromRequest(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource, shared bool) (*future.Future[int64], *request) {
	return copyRequest(ctx, shared, func(conn *pgx.Conn, g *stallGuard) (int64, error) {
		// pgx closes a connection whose context ends mid-statement; the
		// pool cancels the statement instead.
		return conn.CopyFrom(context.WithoutCancel(ctx), table, columns, guardedSource{src, g, ctx})
	})
}

func copyToRequest(ctx context.Context, w io.Writer, sql string, shared bool) (*future.Future[int64], *request) {
	sw := &stoppableWriter{w: w, ctx: ctx}
	f, r := copyRequest(ctx, shared, func(conn *pgx.Conn, g *stallGuard) (int64, error) {
		sw.g = g
		tag, err := conn.PgConn().CopyTo(context.WithoutCancel(ctx), sw, sql)
		return tag.RowsAffected(), err
	})
	finish := r.finish
	r.finish = func(curs []*Cursor, err error) bool {
		sw.stop()
		return finish(curs, err)
	}
	return f, r
}

// guardedSource is a COPY's source whose rows, as pgx takes them, show the
// COPY's stall guard that data is moving, and that the COPY waits for the
// caller's source meanwhile. Once the caller's context has ended (its
// future failed), the source is not read again: pgx, which fills a
// buffer ahead, gets no more rows and the context's error.
type guardedSource struct {
	pgx.CopyFromSource
	g   *stallGuard
	ctx context.Context
}

func (s guardedSource) Next() bool {
	if s.ctx.Err() != nil {
		return false
	}
	s.g.pause()
	defer s.g.resume()
	return s.CopyFromSource.Next()
}

func (s guardedSource) Err() error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	return s.CopyFromSource.Err()
}

func (s guardedSource) Values() ([]any, error) {
	s.g.pause()
	defer s.g.resume()
	return s.CopyFromSource.Values()
}

// stoppableWriter writes to w until it is stopped or the caller's context
// has ended (an Await with that context has returned); then it drops what
// it is given. Its writes show the COPY's stall guard that data is
// coming, and that the COPY waits for the caller's writer meanwhile.
type stoppableWriter struct {
	mu      sync.Mutex
	w       io.Writer
	ctx     context.Context
	g       *stallGuard
	stopped bool
}

func (s *stoppableWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.ctx.Err() != nil {
		return len(p), nil
	}
	s.g.pause()
	defer s.g.resume()
	return s.w.Write(p)
}

func (s *stoppableWriter) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

// copyRequest makes the request of a COPY run by run, alone on its
// connection, under a guard that gives the connection up if it stalls
// once the COPY is cancelled.
func copyRequest(ctx context.Context, shared bool, run func(*pgx.Conn, *stallGuard) (int64, error)) (*future.Future[int64], *request) {
	f, complete := future.New[int64]()
	var n int64
	r := &request{Batch: engine.Batch{Ctx: ctx, Shared: shared, Alone: true}}
	r.raw = func(conn *pgx.Conn) error {
		g := guardStall(ctx, conn.PgConn())
		defer g.stop()
		g.begin()
		defer g.end()
		var err error
		n, err = run(conn, g)
		return err
	}
	r.finish = func(_ []*Cursor, err error) bool {
		if err != nil {
			// Maybe from the context's watch, while run goes on.
			return complete(0, err)
		}
		return complete(n, nil)
	}
	return f, r
}
