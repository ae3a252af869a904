package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// errHold: the request cannot be written yet (its statements are being
// prepared); it stays first in line.
var errHold = errors.New("momoko: hold")

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
	prep *prepared
	sql  string
	last bool // the final Sync of req
}

// pipeline writes statements to one pgx connection and reads their
// results, many in flight at once, each followed by its own Sync so that
// every statement keeps its own implicit transaction. Only its owner's
// goroutine uses it.
type pipeline struct {
	p     *Pool
	conn  *pgx.Conn
	pg    *pgconn.PgConn
	types *pgtype.Map
	pl    *pgconn.Pipeline // nil outside pipeline mode
	cache *stmtCache
	eqb   pgx.ExtendedQueryBuilder

	sent      []expect
	preparing map[string]error // SQL with a Prepare in flight, or the error it failed with
	evicted   []*prepared      // to deallocate with the next write
	lastRead  time.Time
	unflushed bool
}

func newPipeline(p *Pool, conn *pgx.Conn, owner uint64) *pipeline {
	return &pipeline{
		p: p, conn: conn, pg: conn.PgConn(), types: conn.TypeMap(),
		cache: newStmtCache(owner), preparing: make(map[string]error),
	}
}

func (w *pipeline) inFlight() bool { return len(w.sent) > 0 }

// open enters pipeline mode for a burst of work.
func (w *pipeline) open() {
	if w.pl == nil {
		w.pl = w.pg.StartPipeline(context.Background())
	}
}

// rest leaves pipeline mode once nothing is in flight, so that the
// connection can serve pgx calls directly.
func (w *pipeline) rest() error {
	if w.pl == nil {
		return nil
	}
	err := w.pl.Close()
	w.pl = nil
	return err
}

// write queues r's statements for the server. It returns errHold when a
// statement must be prepared first (the Prepare is written instead), and
// any other error when r cannot be encoded, in which case nothing of r was
// written.
func (w *pipeline) write(r *request) error {
	w.open()
	if r.ping {
		w.pl.SendQueryParams("", nil, nil, nil, nil)
		w.sent = append(w.sent, expect{kind: expectStatement, req: r}, expect{kind: expectSync, req: r, last: true})
		w.pl.SendPipelineSync()
		w.unflushed = true
		return nil
	}
	n := r.statementCount()
	hold := false
	for i := range n {
		sql := r.sqlAt(i)
		if w.cache.get(sql) != nil {
			continue
		}
		err, pending := w.preparing[sql]
		switch {
		case pending && err != nil && n == 1:
			delete(w.preparing, sql)
			return err
		case pending && err != nil:
			// Prepared ahead of a transaction's earlier statements, it may
			// need what they create (CREATE TABLE, then INSERT into it):
			// it is sent unprepared, and fails in its turn if it must.
		case pending:
			hold = true
		default:
			w.prepare(sql)
			hold = true
		}
	}
	if hold {
		return errHold
	}
	if n == 1 {
		sql := r.sqlAt(0)
		p := w.cache.get(sql)
		if err := w.build(p, r.argsAt(0)); err != nil {
			return err
		}
		w.sendEvictions()
		w.send(r, sql, p, w.eqb.ParamValues, w.eqb.ParamFormats, true)
		return nil
	}
	return w.writeAll(r, n)
}

// writeAll writes a transaction's statements back to back, after
// encoding all of them: an argument that cannot be encoded fails the
// transaction before anything of it is written.
func (w *pipeline) writeAll(r *request, n int) error {
	type bound struct {
		values  [][]byte
		formats []int16
	}
	bounds := make([]bound, n)
	for i := range n {
		if err := w.build(w.cache.get(r.sqlAt(i)), r.argsAt(i)); err != nil {
			if r.begin != "" && i > 0 && i < n-1 {
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
		bounds[i] = bound{values, append([]int16(nil), w.eqb.ParamFormats...)}
	}
	w.sendEvictions()
	for i := range n {
		sql := r.sqlAt(i)
		delete(w.preparing, sql)
		w.send(r, sql, w.cache.get(sql), bounds[i].values, bounds[i].formats, i == n-1)
	}
	return nil
}

// build encodes args for p with the connection's types. Encoding calls
// the arguments' Value methods, whose panics become errors here.
func (w *pipeline) build(p *prepared, args []any) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("momoko: encoding an argument panicked: %v", v)
		}
	}()
	if p == nil {
		return w.eqb.Build(w.types, nil, args) // text parameters whose types the server infers
	}
	if len(args) != len(p.sd.ParamOIDs) {
		return fmt.Errorf("momoko: expected %d arguments, got %d", len(p.sd.ParamOIDs), len(args))
	}
	return w.eqb.Build(w.types, p.sd, args)
}

// send writes one statement and its Sync; p nil sends it unprepared.
func (w *pipeline) send(r *request, sql string, p *prepared, values [][]byte, formats []int16, last bool) {
	if p == nil {
		w.pl.SendQueryParams(sql, values, nil, formats, nil)
	} else {
		w.pl.SendQueryStatement(p.sd, values, formats, p.formats)
	}
	w.pl.SendPipelineSync()
	w.sent = append(w.sent, expect{kind: expectStatement, req: r, prep: p}, expect{kind: expectSync, req: r, last: last})
	w.unflushed = true
}

func (w *pipeline) prepare(sql string) {
	w.preparing[sql] = nil
	name := w.cache.name()
	w.pl.SendPrepare(name, sql, nil)
	w.pl.SendPipelineSync()
	w.sent = append(w.sent, expect{kind: expectPrepare, sql: sql, prep: &prepared{name: name, sql: sql}}, expect{kind: expectSync})
	w.unflushed = true
}

func (w *pipeline) sendEvictions() {
	for _, e := range w.evicted {
		w.pl.SendDeallocate(e.name)
		w.sent = append(w.sent, expect{kind: expectDeallocate})
	}
	w.evicted = w.evicted[:0]
}

// flush sends what write queued.
func (w *pipeline) flush() error {
	if !w.unflushed {
		return nil
	}
	w.unflushed = false
	return w.pl.Flush()
}

// errBroken wraps the error of a connection that broke: what was in
// flight on it may have run.
type errBroken struct{ err error }

func (e *errBroken) Error() string { return e.err.Error() }
func (e *errBroken) Unwrap() error { return e.err }

// readNext reads results until a request is complete and returns it with
// its cursors or its error set, or until nothing is in flight (nil). An
// *errBroken means the connection is gone, with the requests in flight.
func (w *pipeline) readNext() (*request, error) {
	if w.lastRead.IsZero() {
		w.lastRead = time.Now()
	}
	for len(w.sent) > 0 {
		e := w.sent[0]
		w.sent = w.sent[1:]
		res, err := w.pl.GetResults()
		if err != nil && w.pg.IsClosed() {
			return nil, &errBroken{err}
		}
		switch e.kind {
		case expectPrepare:
			w.prepared(e, res, err)
		case expectDeallocate:
		case expectStatement:
			w.result(e, res, err)
		case expectSync:
			if err != nil {
				return nil, &errBroken{err}
			}
			if e.last {
				return e.req, nil
			}
		}
	}
	return nil, nil // only Prepares were in flight
}

func (w *pipeline) prepared(e expect, res any, err error) {
	if err != nil {
		w.preparing[e.sql] = err
		return
	}
	delete(w.preparing, e.sql)
	p := e.prep
	p.sd = res.(*pgconn.StatementDescription)
	p.sd.Name, p.sd.SQL = p.name, p.sql
	p.formats = make([]int16, len(p.sd.Fields))
	p.fields = append([]pgconn.FieldDescription(nil), p.sd.Fields...)
	for i := range p.fields {
		p.formats[i] = resultFormat(p.fields[i].DataTypeOID)
		p.fields[i].Format = p.formats[i]
	}
	if evict := w.cache.add(p); evict != nil {
		w.evicted = append(w.evicted, evict)
	}
}

// result reads one statement's rows into a cursor of its request.
func (w *pipeline) result(e expect, res any, err error) {
	r := e.req
	if err == nil {
		rr := res.(*pgconn.ResultReader)
		cur := &Cursor{}
		fields := rr.FieldDescriptions()
		if e.prep != nil && len(e.prep.fields) == len(fields) {
			fields = e.prep.fields
		} else {
			fields = append([]pgconn.FieldDescription(nil), fields...)
		}
		cur.setFields(fields, w.p.decode.cover(w.types, fields))
		for rr.NextRow() {
			cur.appendRow(rr.Values())
		}
		var tag pgconn.CommandTag
		tag, err = rr.Close()
		if err == nil {
			cur.setTag(tag.String())
			r.curs = append(r.curs, cur)
		}
	}
	now := time.Now()
	if e.prep != nil {
		start := r.started
		if w.lastRead.After(start) {
			start = w.lastRead
		}
		w.p.speeds.record(e.prep.sql, now.Sub(start))
	}
	w.lastRead = now
	if err == nil {
		return
	}
	if e.prep != nil {
		switch sqlState(err) {
		case pgerrcode.InvalidSQLStatementName, pgerrcode.FeatureNotSupported:
			// The server dropped the statement (DEALLOCATE ALL) or its
			// plan no longer fits the schema: prepare it again next time.
			w.cache.forget(e.prep.sql)
		}
	}
	if r.err == nil {
		r.err = err
	}
}

// txStatus is the connection's transaction status after the last
// result read: 'I' idle, 'T' in a transaction, 'E' in a failed one.
func (w *pipeline) txStatus() byte { return w.pg.TxStatus() }

// binaryResults are the types read in binary: intrinsic types whose binary
// form pgx decodes into every Go type their text form would give, as pgx's
// stdlib chooses for database/sql. Every other type comes as text, so that
// a sql.Scanner (hstore.Hstore, jsonb.JSON) gets the text it parses.
var binaryResults = map[uint32]bool{
	pgtype.BoolOID: true, pgtype.ByteaOID: true, pgtype.CIDOID: true, pgtype.DateOID: true,
	pgtype.Float4OID: true, pgtype.Float8OID: true, pgtype.Int2OID: true, pgtype.Int4OID: true,
	pgtype.Int8OID: true, pgtype.OIDOID: true, pgtype.TimestampOID: true, pgtype.TimestamptzOID: true,
	pgtype.XIDOID: true,
}

func resultFormat(oid uint32) int16 {
	if binaryResults[oid] {
		return pgtype.BinaryFormatCode
	}
	return pgtype.TextFormatCode
}
