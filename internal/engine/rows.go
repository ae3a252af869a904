package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// presizeBytes and presizeValues bound the buffers a result gets ahead
// of its rows, sized from its statement's last result: a small result
// after a huge one of the same statement allocates little, and a big one
// grows its buffers as its rows come.
const presizeBytes, presizeValues = 64 << 10, 8 << 10

// readRows reads a statement's messages up to its CommandComplete into
// res. Rows are appended through locals, not res's fields, which would
// cost a write barrier per value. A result whose values outgrow
// MaxResultBytes is read to its end and dropped: it fails with
// ErrResultTooLarge, and the connection goes on.
func (w *Engine) readRows(res *Result) error {
	buf, spans, rows := res.buf, res.spans, 0
	if spans == nil {
		spans = res.spanBuf[:0]
	}
	defer func() { res.buf, res.spans, res.Rows = buf, spans, res.Rows+rows }()
	copyOut, copyIn, tooLarge := false, false, false
	limit := MaxResultBytes
	w.bound = false
	for {
		m, err := w.pg.ReceiveMessage(context.Background())
		if err != nil {
			return &BrokenError{err}
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			if tooLarge {
				continue
			}
			for _, v := range m.Values {
				if v == nil {
					spans = append(spans, valueSpan{N: -1})
					continue
				}
				if len(v) > limit-len(buf) {
					tooLarge = true
					break
				}
				spans = append(spans, valueSpan{Off: int32(len(buf)), N: int32(len(v))})
				buf = append(buf, v...)
			}
			if tooLarge {
				buf, spans, rows = nil, nil, 0
				continue
			}
			rows++
		case *pgproto3.BindComplete:
			w.bound = true
		case *pgproto3.RowDescription:
			fields := fieldsOf(m)
			res.setFields(fields, w.cfg.Types.cover(w.types, fields))
		case *pgproto3.CommandComplete:
			res.SetTag(string(m.CommandTag))
			if copyOut {
				return ErrCopyNeedsRaw
			}
			if tooLarge {
				return resultTooLarge()
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
				return &BrokenError{err}
			}
			copyIn = true
		case *pgproto3.CopyOutResponse:
			copyOut = true // its CopyData rows are not a result set
		case *pgproto3.ErrorResponse:
			err := w.serverError(m)
			if _, ok := err.(*pgconn.PgError); ok && copyIn {
				// The server's answer to the refusal.
				return fmt.Errorf("%w (%w)", ErrCopyNeedsRaw, err)
			}
			return err
		}
	}
}

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
