package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
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
	prep *prepared
	sql  string
	last bool // the final Sync of req

	describe bool // a RowDescription comes first
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
	cache *stmtCache
	eqb   pgx.ExtendedQueryBuilder

	sent      []expect // in the order the server answers; sent[head:] are pending
	head      int
	flushed   int              // sent[:flushed] were written to the server
	preparing map[string]error // SQL with a Prepare in flight, or the error it failed with
	evicted   []*prepared      // to deallocate with the next write
	lastRead  time.Time
	unflushed bool
}

func newPipeline(p *Pool, conn *pgx.Conn, owner uint64) *pipeline {
	return &pipeline{
		p: p, conn: conn, pg: conn.PgConn(), fe: conn.PgConn().Frontend(), types: conn.TypeMap(),
		cache: newStmtCache(owner), preparing: make(map[string]error),
	}
}

func (w *pipeline) inFlight() bool { return w.head < len(w.sent) }

func (w *pipeline) expect(e ...expect) {
	if w.head == len(w.sent) {
		w.sent, w.head, w.flushed = w.sent[:0], 0, 0
	}
	w.sent = append(w.sent, e...)
}

// prepareFor reports whether every statement of r can be written now. If
// not, it writes Prepares for what r lacks, and r waits for their answers;
// an error is a Prepare that failed, for a request of one statement, which
// then fails without anything of it written.
func (w *pipeline) prepareFor(r *request) (bool, error) {
	if r.ping {
		return true, nil
	}
	n := r.statementCount()
	var missing []string
	hold := false
	for i := range n {
		sql := r.sqlAt(i)
		if w.cache.get(sql) != nil {
			continue
		}
		err, pending := w.preparing[sql]
		if pending && err != nil && !r.held {
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
	if len(missing) > stmtCacheSize/2 {
		// Preparing them all would evict the first before the last is
		// ready: a transaction this large goes unprepared.
		return !hold, nil
	}
	if len(missing) > 0 {
		w.sendEvictions()
		for _, sql := range missing {
			w.prepare(sql)
		}
		hold = true
	}
	r.held = hold
	return !hold, nil
}

// write queues r's statements for the server; prepareFor must have
// reported r ready. An error means r could not be encoded, and nothing of
// it was written.
func (w *pipeline) write(r *request) error {
	if r.ping {
		// A lone Sync is the cheapest round trip the protocol has.
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, req: r, last: true})
		w.unflushed = true
		return nil
	}
	n := r.statementCount()
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

// send writes one statement, and the Sync that ends r when last; p nil
// sends it unprepared.
func (w *pipeline) send(r *request, sql string, p *prepared, values [][]byte, formats []int16, last bool) {
	describe := p == nil || len(p.fields) == 0
	if p == nil {
		w.fe.SendParse(&pgproto3.Parse{Query: sql})
		w.fe.SendBind(&pgproto3.Bind{ParameterFormatCodes: formats, Parameters: values})
	} else {
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: p.name, ParameterFormatCodes: formats, Parameters: values, ResultFormatCodes: p.formats})
	}
	if describe {
		// The fields are not known ahead (unprepared, or a FETCH from a
		// cursor that did not exist when it was prepared).
		w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
	}
	w.fe.SendExecute(&pgproto3.Execute{})
	w.expect(expect{kind: expectStatement, req: r, prep: p, sql: sql, describe: describe})
	if last {
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, req: r, last: true})
	}
	w.unflushed = true
}

func (w *pipeline) prepare(sql string) {
	w.preparing[sql] = nil
	name := w.cache.name()
	w.fe.SendParse(&pgproto3.Parse{Name: name, Query: sql})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'S', Name: name})
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectPrepare, sql: sql, prep: &prepared{name: name, sql: sql}}, expect{kind: expectSync})
	w.unflushed = true
}

func (w *pipeline) sendEvictions() {
	for _, e := range w.evicted {
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: e.name})
		w.expect(expect{kind: expectDeallocate})
	}
	w.evicted = w.evicted[:0]
}

// flush sends what write queued.
func (w *pipeline) flush() error {
	if !w.unflushed {
		return nil
	}
	w.unflushed = false
	w.flushed = len(w.sent)
	if err := w.fe.Flush(); err != nil {
		return &errBroken{err}
	}
	return nil
}

// resultsBuffered reports whether results of what was written are
// already in the read buffer, so that reading them needs no system call.
func (w *pipeline) resultsBuffered() bool {
	return w.head < w.flushed && w.fe.ReadBufferLen() > 0
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
	var failed bool // the server skips to the next Sync after an error
	for w.inFlight() {
		e := &w.sent[w.head]
		w.head++
		if failed && e.kind != expectSync {
			continue
		}
		var err error
		switch e.kind {
		case expectPrepare:
			err = w.readPrepare(e)
		case expectDeallocate:
			err = w.receive(func(m pgproto3.BackendMessage) (bool, error) {
				_, ok := m.(*pgproto3.CloseComplete)
				return ok, nil
			})
		case expectStatement:
			err = w.readStatement(e)
		case expectSync:
			failed = false
			if err := w.receive(readyForQuery); err != nil {
				return nil, err
			}
			if e.last && e.req.begin != "" && w.pg.TxStatus() != 'I' {
				if err := w.rollback(); err != nil {
					return nil, err
				}
			}
			if e.last {
				return e.req, nil
			}
			continue
		}
		var broken *errBroken
		if errors.As(err, &broken) {
			return nil, err
		}
		failed = err != nil
	}
	return nil, nil // only Prepares were in flight
}

// rollback ends a transaction whose statement failed: the server skipped
// the rest of it, COMMIT included, up to its Sync. Nothing else is in
// flight behind a transaction.
func (w *pipeline) rollback() error {
	w.fe.SendQuery(&pgproto3.Query{String: "ROLLBACK"})
	if err := w.fe.Flush(); err != nil {
		return &errBroken{err}
	}
	err := w.receive(readyForQuery)
	if _, ok := err.(*pgconn.PgError); ok {
		// ROLLBACK cannot fail in a transaction block; whatever did, the
		// connection is not to be trusted.
		return &errBroken{err}
	}
	return err
}

func readyForQuery(m pgproto3.BackendMessage) (bool, error) {
	_, ok := m.(*pgproto3.ReadyForQuery)
	return ok, nil
}

// receive reads messages and hands each to handle until it reports done.
// An ErrorResponse ends it with the *pgconn.PgError; a read error with an
// *errBroken.
func (w *pipeline) receive(handle func(pgproto3.BackendMessage) (bool, error)) error {
	for {
		m, err := w.pg.ReceiveMessage(context.Background())
		if err != nil {
			return &errBroken{err}
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			pgErr := pgconn.ErrorResponseToPgError(m)
			if w.pg.IsClosed() {
				return &errBroken{pgErr} // FATAL: the server closed the session
			}
			return pgErr
		case *pgproto3.NoticeResponse, *pgproto3.NotificationResponse, *pgproto3.ParameterStatus:
			continue // pgconn has passed them to its handlers
		}
		done, err := handle(m)
		if err != nil || done {
			return err
		}
	}
}

// readRows reads a statement's messages up to its CommandComplete into
// cur. Rows are appended through locals, not cur's fields, which would
// cost a write barrier per value.
func (w *pipeline) readRows(cur *Cursor) error {
	buf, spans, rows := cur.buf, cur.spans, 0
	if spans == nil {
		spans = cur.spanBuf[:0]
	}
	defer func() { cur.buf, cur.spans, cur.rows = buf, spans, cur.rows+rows }()
	copyOut := false
	for {
		m, err := w.pg.ReceiveMessage(context.Background())
		if err != nil {
			return &errBroken{err}
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			for _, v := range m.Values {
				if v == nil {
					spans = append(spans, span{n: -1})
					continue
				}
				spans = append(spans, span{off: int32(len(buf)), n: int32(len(v))})
				buf = append(buf, v...)
			}
			rows++
		case *pgproto3.RowDescription:
			fields := fieldsOf(m)
			cur.setFields(fields, w.p.decode.cover(w.types, fields))
		case *pgproto3.CommandComplete:
			cur.setTag(string(m.CommandTag))
			if copyOut {
				return ErrCopyNeedsRaw
			}
			return nil
		case *pgproto3.EmptyQueryResponse:
			return nil
		case *pgproto3.CopyInResponse:
			// The server waits for data Execute has not got; refusing it
			// ends the statement with an error. The server ignored the
			// statement's Sync during the copy, so another ends it.
			w.fe.Send(&pgproto3.CopyFail{Message: ErrCopyNeedsRaw.Error()})
			w.fe.SendSync(&pgproto3.Sync{})
			if err := w.fe.Flush(); err != nil {
				return &errBroken{err}
			}
		case *pgproto3.CopyOutResponse:
			copyOut = true // its CopyData rows are not a result set
		case *pgproto3.ErrorResponse:
			pgErr := pgconn.ErrorResponseToPgError(m)
			if w.pg.IsClosed() {
				return &errBroken{pgErr} // FATAL: the server closed the session
			}
			return pgErr
		}
	}
}

// shapeVaries reports whether the columns a statement returns can change
// from one run to the next although its text does not: FETCH and MOVE take
// whatever cursor has the name now, EXECUTE whatever statement, SHOW and
// EXPLAIN their argument's.
func shapeVaries(sql string) bool {
	w := firstWord(sql)
	for _, kw := range []string{"FETCH", "MOVE", "EXECUTE", "SHOW", "EXPLAIN"} {
		if strings.EqualFold(w, kw) {
			return true
		}
	}
	return false
}

// readPrepare reads a Prepare's ParseComplete, ParameterDescription and
// RowDescription (or NoData).
func (w *pipeline) readPrepare(e *expect) error {
	p := e.prep
	p.sd = &pgconn.StatementDescription{Name: p.name, SQL: p.sql}
	err := w.receive(func(m pgproto3.BackendMessage) (bool, error) {
		switch m := m.(type) {
		case *pgproto3.ParameterDescription:
			p.sd.ParamOIDs = slices.Clone(m.ParameterOIDs)
		case *pgproto3.RowDescription:
			p.sd.Fields = fieldsOf(m)
			return true, nil
		case *pgproto3.NoData:
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		w.preparing[e.sql] = err
		return err
	}
	delete(w.preparing, e.sql)
	if shapeVaries(p.sql) {
		// Its fields at prepare time say nothing of the next run's: every
		// run describes its own, in text.
		p.sd.Fields = nil
	}
	p.formats = make([]int16, len(p.sd.Fields))
	p.fields = slices.Clone(p.sd.Fields)
	for i := range p.fields {
		p.formats[i] = resultFormat(p.fields[i].DataTypeOID)
		p.fields[i].Format = p.formats[i]
	}
	if evict := w.cache.add(p); evict != nil {
		w.evicted = append(w.evicted, evict)
	}
	return nil
}

// readStatement reads one statement's result into a cursor of its
// request, and its error into the request.
func (w *pipeline) readStatement(e *expect) error {
	r := e.req
	cur := &Cursor{}
	if !e.describe {
		cur.setFields(e.prep.fields, w.p.decode.cover(w.types, e.prep.fields))
	}
	if p := e.prep; p != nil && p.lastValues > inlineValues {
		cur.buf = make([]byte, 0, p.lastBytes)
		cur.spans = make([]span, 0, p.lastValues)
	}
	err := w.readRows(cur)
	if p := e.prep; p != nil {
		p.lastBytes, p.lastValues = len(cur.buf), len(cur.spans)
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
		r.curs = append(r.curs, cur)
		return nil
	}
	var broken *errBroken
	if errors.As(err, &broken) {
		return err
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
	return err
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

// fieldsOf describes a result's columns as pgx does.
func fieldsOf(rd *pgproto3.RowDescription) []pgconn.FieldDescription {
	fields := make([]pgconn.FieldDescription, len(rd.Fields))
	for i, f := range rd.Fields {
		fields[i] = pgconn.FieldDescription{
			Name: string(f.Name), TableOID: f.TableOID, TableAttributeNumber: f.TableAttributeNumber,
			DataTypeOID: f.DataTypeOID, DataTypeSize: f.DataTypeSize, TypeModifier: f.TypeModifier, Format: f.Format,
		}
	}
	return fields
}
