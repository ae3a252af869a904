package engine

import (
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Result is one statement's result as the server sent it: its rows'
// values one after another in one buffer, decoded with Types.
type Result struct {
	Fields []pgconn.FieldDescription
	Types  *pgtype.Map
	buf    []byte
	spans  []valueSpan
	Rows   int
	Tag    string
	Known  bool // Tag came from the server

	// Storage for a small result's spans, so that it costs no allocation
	// of its own.
	spanBuf [InlineValues]valueSpan
}

// InlineValues is how many values a Result holds without allocating.
const InlineValues = 4

// valueSpan is a value's place in a Result's buffer (N < 0 is NULL), which
// MaxResultBytes keeps within reach of 32 bits.
type valueSpan struct{ Off, N int32 }

// ErrResultTooLarge: a result's values take more than a Result buffers.
// The statement ran to its end; its rows were read and dropped, and the
// connection goes on.
var ErrResultTooLarge = errors.New("momoko: the result is too large to buffer")

// MaxResultBytes bounds the bytes of values a Result buffers: a span's
// offset and length are 32 bits. A variable, so that tests can lower it.
var MaxResultBytes = math.MaxInt32

func resultTooLarge() error {
	return fmt.Errorf("%w: its values take more than %d bytes", ErrResultTooLarge, MaxResultBytes)
}

// setFields describes the result's columns, decoded with types.
func (res *Result) setFields(fields []pgconn.FieldDescription, types *pgtype.Map) {
	res.Fields, res.Types = fields, types
}

// SetTag records the server's command tag.
func (res *Result) SetTag(tag string) { res.Tag, res.Known = tag, true }

// appendRow copies one row as received, or fails with ErrResultTooLarge,
// leaving res to be dropped.
func (res *Result) appendRow(values [][]byte) error {
	if res.spans == nil {
		res.spans = res.spanBuf[:0]
	}
	for _, v := range values {
		if v == nil {
			res.spans = append(res.spans, valueSpan{N: -1})
			continue
		}
		if len(v) > MaxResultBytes-len(res.buf) {
			return resultTooLarge()
		}
		res.spans = append(res.spans, valueSpan{Off: int32(len(res.buf)), N: int32(len(v))})
		res.buf = append(res.buf, v...)
	}
	res.Rows++
	return nil
}

// Value is the i-th value of row; nil for NULL.
func (res *Result) Value(row, i int) []byte {
	s := res.spans[row*len(res.Fields)+i]
	if s.N < 0 {
		return nil
	}
	if s.N == 0 {
		// Not Buf[0:0]: before the first byte the buffer is nil, and a nil
		// value is NULL to pgx.
		return emptyValue
	}
	return res.buf[s.Off : s.Off+s.N : s.Off+s.N]
}

// emptyValue is a zero-length value that is not NULL.
var emptyValue = []byte{}
