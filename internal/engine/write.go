package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/momoko-go/momoko/internal/stmtcache"
)

// PrepareFor reports whether every statement of b can be written now. If
// not, it writes Prepares for what b lacks, and b waits for their answers;
// an error is a Prepare that failed, for a batch of one statement, or a
// statement that cannot be sent: b then fails without anything of it
// written.
func (w *Engine) PrepareFor(b *Batch) (bool, error) {
	if b.Ping {
		return true, nil
	}
	n := b.count()
	from := unpreparedFrom(b)
	var missing []string
	hold := false
	for i := range n {
		sql := b.sqlAt(i)
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
		if pending && err != nil && !b.Held {
			// Kept for a batch that was dropped meanwhile: this one was
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
	if len(missing) > stmtcache.Size/2 || n > stmtcache.Size/2 && distinctOver(b, stmtcache.Size/2) {
		// Preparing what it lacks would evict statements of its own before
		// the last is ready: a transaction this large goes unprepared.
		return !hold, nil
	}
	if len(missing) > 0 {
		w.endGroup() // a Prepare's Sync would end it
		w.sendEvictions()
		for _, sql := range missing {
			w.prepare(b, sql)
		}
		hold = true
	}
	b.Held = hold
	b.Described = b.Described || hold
	return !hold, nil
}

// distinctOver reports whether b has more than limit distinct statements.
func distinctOver(b *Batch, limit int) bool {
	seen := make(map[string]struct{}, limit+1)
	for i := range b.count() {
		seen[b.sqlAt(i)] = struct{}{}
		if len(seen) > limit {
			return true
		}
	}
	return false
}

// Write queues b's statements for the server; PrepareFor must have
// reported b ready. An error means b could not be encoded, and nothing of
// it was written; ErrPrepareAgain that b goes to PrepareFor again.
func (w *Engine) Write(b *Batch) error {
	b.Skipped, b.Grouped = false, false
	if b.Ping {
		// A lone Sync is the cheapest round trip the protocol has.
		w.endGroup()
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, b: b, last: true})
		w.unflushed = true
		return nil
	}
	n := b.count()
	if n == 1 {
		sql := b.sqlAt(0)
		p := w.cache.Get(sql)
		if stale, err := w.build(p, b.argsAt(0)); err != nil {
			return w.encodeFailed(b, p, stale, err)
		}
		w.timeRoundTrip() // once b is sure to be written
		grouped := w.joinGroup(b, sql)
		if !grouped {
			w.endGroup()
			w.sendEvictions() // not inside a group, whose failure would skip them
			w.changesSession(sql)
		}
		w.send(b, sql, p, w.eqb.ParamValues, w.eqb.ParamFormats, !grouped, w.traceStart(b, 0))
		if grouped && len(w.open.members) == GroupLimit {
			w.endGroup()
		}
	} else {
		w.endGroup()
		if err := w.writeAll(b, n); err != nil {
			return err
		}
	}
	b.TrimTx = b.Begin != ""
	if b.positionAfter() {
		w.sendPosition(b)
	}
	return nil
}

// sendPosition writes, after b's Sync, the statement that reads the WAL
// position b's commit is at or before, with a Sync of its own: it runs
// once b's implicit transaction, or its COMMIT, is done.
func (w *Engine) sendPosition(b *Batch) {
	w.fe.SendParse(&pgproto3.Parse{Query: WALInsertPosition})
	w.fe.SendBind(&pgproto3.Bind{})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
	w.fe.SendExecute(&pgproto3.Execute{})
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectStatement, b: b, sql: WALInsertPosition, describe: true, position: true},
		expect{kind: expectSync, b: b, last: true})
}

// writeAll writes a transaction's statements back to back, after
// encoding all of them: an argument that cannot be encoded fails the
// transaction before anything of it is written. Statements after a schema
// change go unprepared (see unpreparedFrom).
func (w *Engine) writeAll(b *Batch, n int) error {
	type bound struct {
		prep    *stmtcache.Prepared
		values  [][]byte
		formats []int16
	}
	bounds := make([]bound, n)
	from := unpreparedFrom(b)
	for i := range n {
		var prep *stmtcache.Prepared
		if i < from {
			prep = w.cache.Get(b.sqlAt(i))
		}
		if stale, err := w.build(prep, b.argsAt(i)); err != nil {
			err = w.encodeFailed(b, prep, stale, err)
			if !errors.Is(err, ErrPrepareAgain) && b.Begin != "" && i > 0 && i < n-1 {
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
	w.timeRoundTrip()
	w.sendEvictions()
	for i := range n {
		sql := b.sqlAt(i)
		delete(w.preparing, sql)
		w.changesSession(sql)
		w.send(b, sql, bounds[i].prep, bounds[i].values, bounds[i].formats, i == n-1, w.traceStart(b, i))
	}
	return nil
}

// send writes one statement, and the Sync that ends b's statements when
// sync; p nil sends it unprepared. trace: the tracer's context for it.
func (w *Engine) send(b *Batch, sql string, p *stmtcache.Prepared, values [][]byte, formats []int16, sync bool, trace context.Context) {
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
	w.expect(expect{kind: expectStatement, b: b, prep: p, sql: sql, describe: describe, trace: trace, g: b.group})
	if sync {
		w.fe.SendSync(&pgproto3.Sync{})
		w.expect(expect{kind: expectSync, b: b, last: !b.positionAfter()})
	}
	w.unflushed = true
}

// prepare writes a Prepare of sql, for b.
func (w *Engine) prepare(b *Batch, sql string) {
	w.preparing[sql] = nil
	name := w.cache.Name()
	w.fe.SendParse(&pgproto3.Parse{Name: name, Query: sql})
	w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'S', Name: name})
	w.fe.SendSync(&pgproto3.Sync{})
	w.expect(expect{kind: expectPrepare, sql: sql, prep: &stmtcache.Prepared{Name: name, SQL: sql}, trace: w.tracePrepareStart(b, name, sql)},
		expect{kind: expectSync})
	w.unflushed = true
}

func (w *Engine) sendEvictions() {
	for _, e := range w.evicted {
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: e.Name})
		w.expect(expect{kind: expectDeallocate})
	}
	w.evicted = w.evicted[:0]
}
