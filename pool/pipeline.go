package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/internal/stmtcache"
)

type expectKind uint8

const (
	expectStatement expectKind = iota
	expectPrepare
	expectDeallocate
	expectSync
)

// expect is one result the server will send, in the order they were
// written: a pipeline's results come back in that order.
type expect struct {
	kind expectKind
	req  *request
	prep *stmtcache.Prepared
	sql  string
	last bool // the final Sync of req

	describe bool // a RowDescription comes first
	position bool // the WAL position read after req (request.positionAfter)

	trace context.Context // what the tracer's start returned; nil untraced
}

// pipeline writes statements to one pgx connection and reads their
// results, many in flight at once, each followed by its own Sync so that
// every statement keeps its own implicit transaction. It speaks the
// extended protocol through pgconn's frontend itself: pgconn's own pipeline
// mode keeps a list element per message, which would cost more than the
// rest of a statement. Only its owner's goroutine uses it, and between
// reads the connection is idle to pgx, so pgx's own calls work whenever
// nothing is in flight.
type pipeline struct {
	p     *Pool
	conn  *pgx.Conn
	pg    *pgconn.PgConn
	fe    *pgproto3.Frontend
	types *pgtype.Map
	cache *stmtcache.Cache
	eqb   pgx.ExtendedQueryBuilder

	sent      []expect // in the order the server answers; sent[head:] are pending
	head      int
	flushed   int                   // sent[:flushed] were written to the server
	preparing map[string]error      // SQL with a Prepare in flight, or the error it failed with
	evicted   []*stmtcache.Prepared // to deallocate with the next write
	lastRead  time.Time
	unflushed bool
	bound     bool         // the statement last read got past its Bind
	probe     *socketProbe // looks whether the server closed the idle connection
	tracers   tracers      // the ConnConfig's Tracer, by what it traces
}

func newPipeline(p *Pool, conn *pgx.Conn, owner uint64) *pipeline {
	return &pipeline{
		p: p, conn: conn, pg: conn.PgConn(), fe: conn.PgConn().Frontend(), types: conn.TypeMap(),
		cache: stmtcache.New("momoko_" + strconv.FormatUint(owner, 10) + "_"), preparing: make(map[string]error), probe: newSocketProbe(conn.PgConn().Conn()),
		tracers: tracersOf(conn.Config().Tracer),
	}
}

func (w *pipeline) inFlight() bool { return w.head < len(w.sent) }

func (w *pipeline) expect(e ...expect) {
	// What was read is dropped once it is half the array, so that a
	// pipeline that never drains does not grow for good.
	if w.head > 0 && w.head*2 >= len(w.sent) {
		n := copy(w.sent, w.sent[w.head:])
		clear(w.sent[n:])
		w.sent, w.flushed, w.head = w.sent[:n], max(w.flushed-w.head, 0), 0
	}
	w.sent = append(w.sent, e...)
}

// prepareFor reports whether every statement of r can be written now. If
// not, it writes Prepares for what r lacks, and r waits for their answers;
// an error is a Prepare that failed, for a request of one statement, or a
// statement that cannot be sent: r then fails without anything of it
// written.
func (w *pipeline) prepareFor(r *request) (bool, error) {
	if r.Ping {
		return true, nil
	}
	n := r.Count()
	from := unpreparedFrom(r)
	var missing []string
	hold := false
	for i := range n {
		sql := r.SQLAt(i)
		if w.cache.Get(sql) != nil {
			continue // its text was checked when it was prepared
		}
		if err := checkSQL(sql); err != nil {
			return false, err
		}
		if i >= from {
			continue // unprepared, after a schema change
		}
		err, pending := w.preparing[sql]
		if pending && err != nil && !r.Held {
			// Kept for a request that was dropped meanwhile: this one was
			// not waiting for that Prepare, and tries again.
			delete(w.preparing, sql)
			pending = false
		}
		switch {
		case pending && err != nil && n == 1:
			delete(w.preparing, sql)
			return false, err
		case pending && err != nil:
			// Prepared ahead of a transaction's earlier statements, it may
			// need what they create (CREATE TABLE, then INSERT into it):
			// it is sent unprepared, and fails in its turn if it must.
		case pending:
			hold = true
		case !slices.Contains(missing, sql):
			missing = append(missing, sql)
		}
	}
	if len(missing) > stmtcache.Size/2 {
		// Preparing them all would evict the first before the last is
		// ready: a transaction this large goes unprepared.
		return !hold, nil
	}
	if len(missing) > 0 {
		w.sendEvictions()
		for _, sql := range missing {
			w.prepare(r, sql)
		}
		hold = true
	}
	r.Held = hold
	r.Described = r.Described || hold
	return !hold, nil
}

// write queues r's statements for the server; prepareFor must have
// reported r ready. An error means r could not be encoded, and nothing of
// it was written; errPrepareAgain that r goes to prepareFor again.
func (w *pipeline) write(r *request) error {
	if r.Ping {
		// A lone Sync is the cheapest round trip the protocol has.
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, req: r, last: true})
		w.unflushed = true
		return nil
	}
	n := r.Count()
	if n == 1 {
		sql := r.SQLAt(0)
		p := w.cache.Get(sql)
		if stale, err := w.build(p, r.ArgsAt(0)); err != nil {
			return w.encodeFailed(r, p, stale, err)
		}
		w.sendEvictions()
		w.send(r, sql, p, w.eqb.ParamValues, w.eqb.ParamFormats, true, w.traceStart(r, 0))
	} else if err := w.writeAll(r, n); err != nil {
		return err
	}
	r.TrimTx = r.Begin != ""
	if r.PositionAfter() {
		w.sendPosition(r)
	}
	return nil
}

// sendPosition writes, after r's Sync, the statement that reads the WAL
// position r's commit is at or before, with a Sync of its own: it runs
// once r's implicit transaction, or its COMMIT, is done.
func (w *pipeline) sendPosition(r *request) {
	w.fe.SendParse(&pgproto3.Parse{Query: walInsertPosition})
	w.fe.SendBind(&pgproto3.Bind{})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
	w.fe.SendExecute(&pgproto3.Execute{})
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectStatement, req: r, sql: walInsertPosition, describe: true, position: true},
		expect{kind: expectSync, req: r, last: true})
}

// writeAll writes a transaction's statements back to back, after
// encoding all of them: an argument that cannot be encoded fails the
// transaction before anything of it is written. Statements after a schema
// change go unprepared (see unpreparedFrom).
func (w *pipeline) writeAll(r *request, n int) error {
	type bound struct {
		prep    *stmtcache.Prepared
		values  [][]byte
		formats []int16
	}
	bounds := make([]bound, n)
	from := unpreparedFrom(r)
	for i := range n {
		var prep *stmtcache.Prepared
		if i < from {
			prep = w.cache.Get(r.SQLAt(i))
		}
		if stale, err := w.build(prep, r.ArgsAt(i)); err != nil {
			err = w.encodeFailed(r, prep, stale, err)
			if !errors.Is(err, errPrepareAgain) && r.Begin != "" && i > 0 && i < n-1 {
				err = fmt.Errorf("statement %d: %w", i-1, err)
			}
			return err
		}
		values := make([][]byte, len(w.eqb.ParamValues))
		for j, v := range w.eqb.ParamValues {
			if v != nil {
				values[j] = append(make([]byte, 0, len(v)), v...)
			}
		}
		bounds[i] = bound{prep, values, append([]int16(nil), w.eqb.ParamFormats...)}
	}
	w.sendEvictions()
	for i := range n {
		sql := r.SQLAt(i)
		delete(w.preparing, sql)
		w.send(r, sql, bounds[i].prep, bounds[i].values, bounds[i].formats, i == n-1, w.traceStart(r, i))
	}
	return nil
}

// send writes one statement, and the Sync that ends r's statements when
// sync; p nil sends it unprepared. trace: the tracer's context for it.
func (w *pipeline) send(r *request, sql string, p *stmtcache.Prepared, values [][]byte, formats []int16, sync bool, trace context.Context) {
	describe := p == nil || len(p.Fields) == 0
	if p == nil {
		w.fe.SendParse(&pgproto3.Parse{Query: sql})
		w.fe.SendBind(&pgproto3.Bind{ParameterFormatCodes: formats, Parameters: values})
	} else {
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: p.Name, ParameterFormatCodes: formats, Parameters: values, ResultFormatCodes: p.Formats})
	}
	if describe {
		// The fields are not known ahead (unprepared, or a FETCH from a
		// cursor that did not exist when it was prepared).
		w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
	}
	w.fe.SendExecute(&pgproto3.Execute{})
	w.expect(expect{kind: expectStatement, req: r, prep: p, sql: sql, describe: describe, trace: trace})
	if sync {
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, req: r, last: !r.PositionAfter()})
	}
	w.unflushed = true
}

// prepare writes a Prepare of sql, for r.
func (w *pipeline) prepare(r *request, sql string) {
	w.preparing[sql] = nil
	name := w.cache.Name()
	w.fe.SendParse(&pgproto3.Parse{Name: name, Query: sql})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'S', Name: name})
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectPrepare, sql: sql, prep: &stmtcache.Prepared{Name: name, SQL: sql}, trace: w.tracePrepareStart(r, name, sql)},
		expect{kind: expectSync})
	w.unflushed = true
}

func (w *pipeline) sendEvictions() {
	for _, e := range w.evicted {
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: e.Name})
		w.expect(expect{kind: expectDeallocate})
	}
	w.evicted = w.evicted[:0]
}
