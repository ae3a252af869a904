package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/driver"
	"github.com/momoko-go/momoko/future"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/internal/nilctx"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// Streamer runs a query whose rows are read as they arrive: Pool, Conn and
// Replica are Streamers.
type Streamer interface {
	Stream(ctx context.Context, query string, args ...any) *future.Future[*Rows]
}

var (
	_ Streamer = (*Pool)(nil)
	_ Streamer = (*Conn)(nil)
	_ Streamer = (*Replica)(nil)
)

// Stream runs query with args on a connection of its own and resolves
// once its result has started (its first row, or its end, has arrived),
// with rows read from the connection as the caller asks for them: a result
// of any size in constant memory. The connection serves nothing else
// until the rows are closed or read to their end; close them, as pgx's
// own, on every path (Each does). Closing them early costs a CancelRequest,
// which ends the statement on the server, never the connection (inside a
// Conn's transaction, which a cancelled statement would abort, the rest
// of the result is read and dropped instead).
//
// The caller's context bounds the whole statement: when it ends, the
// statement is cancelled and the rows' Err reports the context's error.
// The CancelRequest goes again every second while the statement goes on
// (one that reaches the server before the statement is dropped); a
// connection that then waits for the server for a second with no row (a
// network partition: neither the rows nor the CancelRequests get through)
// is given up, and Err reports ErrConnectionLost as well.
// A statement that fails before its first row fails the future; after it,
// the rows' Err. Rows that nobody takes (the future released, or given up
// by Await before they came) are closed. Stream needs the momoko driver
// (ErrNeedsMomokoDriver).
//
// For results that fit in memory Execute is faster: its statements share
// round trips with others', and its connection moves on at once.
func (p *Pool) Stream(ctx context.Context, query string, args ...any) *future.Future[*Rows] {
	ctx = nilctx.Or(ctx)
	f, complete := future.NewWithRelease((*Rows).Close)
	r, err := p.streamRequest(ctx, query, args, true, false, complete)
	if err != nil {
		return future.Failed[*Rows](err)
	}
	r.finish = streamFailed(complete)
	p.run(r)
	return f
}

// Stream is Pool.Stream on the Conn, in order with its other statements.
func (c *Conn) Stream(ctx context.Context, query string, args ...any) *future.Future[*Rows] {
	ctx = nilctx.Or(ctx)
	if c == nil || c.returned.Load() {
		return future.Failed[*Rows](ErrConnClosed)
	}
	f, complete := future.NewWithRelease((*Rows).Close)
	deliver := func(rows *Rows, err error) bool {
		// A statement given to c while the rows are open would wait for
		// them, and a caller awaiting it while it reads them, for ever.
		c.streaming.Store(true)
		rows.onDone = func() { c.streaming.Store(false) }
		return complete(rows, err)
	}
	r, err := c.pool.streamRequest(ctx, query, args, false, false, deliver)
	if err != nil {
		return future.Failed[*Rows](err)
	}
	r.finish = streamFailed(complete)
	c.submit(r)
	return f
}

// Stream is Pool.Stream on a standby, chosen as for Execute; on the
// primary (FallbackToPrimary, or a pool without standbys) it runs in a
// READ ONLY transaction. A read that fails before its first row because
// its standby went away runs again elsewhere; after it, the rows' Err
// reports the failure.
func (r *Replica) Stream(ctx context.Context, query string, args ...any) *future.Future[*Rows] {
	ctx = nilctx.Or(ctx)
	if sqltext.IsListen(query) {
		return future.Failed[*Rows](ErrListenOnPool)
	}
	f, complete := future.NewWithRelease((*Rows).Close)
	r.read(ctx, streamFailed(complete), func(p *Pool, primary bool) *request {
		select {
		case <-f.Done():
			// The read failed after its rows were handed over (its
			// standby's connection broke): it does not run again
			// elsewhere for rows nobody would read.
			return &request{Batch: engine.Batch{Ctx: ctx, Err: errStreamHandedOver}}
		default:
		}
		req, err := p.streamRequest(ctx, query, args, true, primary, complete)
		if err != nil {
			req = &request{Batch: engine.Batch{Ctx: ctx, Err: err}}
		}
		return req
	})
	return f
}

// errStreamHandedOver fails the attempt to run again a Replica's stream
// that failed after its rows were handed over; nobody sees it.
var errStreamHandedOver = errors.New("momoko: the stream's rows were handed over already")

// streamFailed resolves a stream's future with its request's error; on
// success the future was resolved already, with the rows.
func streamFailed(complete func(*Rows, error) bool) func([]*Cursor, error) bool {
	return func(_ []*Cursor, err error) bool {
		if err == nil {
			return false
		}
		return complete(nil, err)
	}
}

// streamRequest makes the request of a stream: a function on the
// connection, alone on it, that starts the query, hands its rows to
// deliver and waits until they are done with. readOnly wraps it in a READ
// ONLY transaction, for a read of Replica's on the primary.
func (p *Pool) streamRequest(ctx context.Context, query string, args []any, shared, readOnly bool, deliver func(*Rows, error) bool) (*request, error) {
	if sqltext.IsListen(query) && shared {
		return nil, ErrListenOnPool
	}
	r := &request{Batch: engine.Batch{Ctx: ctx, Shared: shared, Alone: true}}
	r.raw = func(conn *pgx.Conn) error {
		return streamOn(ctx, conn, query, args, readOnly, deliver)
	}
	return r, nil
}

// streamOn runs a stream on conn, on its owner's goroutine: nothing else
// uses the connection until the caller is done with the rows.
func streamOn(ctx context.Context, conn *pgx.Conn, query string, args []any, readOnly bool, deliver func(*Rows, error) bool) error {
	g := guardStall(ctx, conn.PgConn())
	defer g.stop()
	// Rows closed early inside the caller's transaction (a Conn's) are
	// read to their end: a cancelled statement would abort it.
	inTx := conn.PgConn().TxStatus() != 'I'
	for again := true; ; again = false {
		tx, rows, err := startStream(ctx, conn, query, args, readOnly, g)
		if err != nil {
			// A statement of pgx's cache that the server no longer has
			// (DEALLOCATE ALL, DISCARD ALL) or whose result changed shape
			// was refused before it ran, and pgx has forgotten it: it runs
			// once more, prepared afresh, as Execute's statements do,
			// unless a transaction of the caller's is now aborted.
			if again && engine.StalePrepared(err) && conn.PgConn().TxStatus() == 'I' && ctx.Err() == nil {
				continue
			}
			return streamError(ctx, conn, err)
		}
		rows.inTx = inTx
		err = handOver(rows, deliver)
		if tx != nil {
			g.begin()
			if err == nil {
				err = tx.Commit(context.WithoutCancel(ctx))
			}
			if err != nil {
				tx.Rollback(context.WithoutCancel(ctx))
			}
			g.end()
		}
		return err
	}
}

// startStream starts query on conn, in a READ ONLY transaction of its own
// with readOnly, and reads up to its first row. On failure the
// transaction is rolled back.
func startStream(ctx context.Context, conn *pgx.Conn, query string, args []any, readOnly bool, g *stallGuard) (tx pgx.Tx, rows *Rows, err error) {
	// pgx ends a statement whose context ends by closing its connection;
	// the pool cancels it instead (see Pool.Stream), so pgx gets a context
	// that carries the caller's values but never ends.
	qctx := context.WithoutCancel(ctx)
	g.begin()
	defer g.end()
	var q interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	} = conn
	if readOnly {
		if tx, err = conn.BeginTx(qctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}); err != nil {
			return nil, nil, err
		}
		defer func() {
			if err != nil {
				tx.Rollback(qctx)
			}
		}()
		q = tx
	}
	inner, err := q.Query(qctx, query, args...)
	if err != nil {
		return tx, nil, err
	}
	rows = &Rows{ctx: ctx, inner: inner, pg: conn.PgConn(), g: g, done: make(chan struct{}),
		fields: slices.Clone(inner.FieldDescriptions())}
	rows.has = inner.Next()
	rows.primed = true
	if !rows.has {
		if err := inner.Err(); err != nil {
			return tx, nil, err
		}
	}
	return tx, rows, nil
}

// handOver gives rows to the caller through deliver and waits until the
// caller is done with them; the error is the statement's.
func handOver(rows *Rows, deliver func(*Rows, error) bool) error {
	if !deliver(rows, nil) {
		// The caller gave up meanwhile: the future closed the rows, which
		// nobody will read.
		return nil
	}
	<-rows.done
	return rows.closeErr
}

// streamError is the error a stream reports for err, pgx's:
// ErrConnectionLost wrapped around it when the connection broke, and the
// caller's context's error around that when the statement was cancelled,
// or its connection given up, because the context ended.
func streamError(ctx context.Context, conn *pgx.Conn, err error) error {
	if conn.PgConn().IsClosed() && !errors.Is(err, driver.ErrConnectionLost) {
		err = connectionLost(err)
	}
	var pgErr *pgconn.PgError
	cancelled := errors.As(err, &pgErr) && pgErr.Code == pgerrcode.QueryCanceled
	if ctx.Err() != nil && (cancelled || errors.Is(err, driver.ErrConnectionLost)) {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}
