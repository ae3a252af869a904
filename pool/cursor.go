package pool

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Cursor is the buffered result of one statement: every row was read
// before the connection moved on. Rows are fetched in order with FetchOne,
// FetchMany or FetchAll.
//
// Rows are kept as the server sent them, in one buffer, and decoded by
// FetchOne with pgx's type map: whatever pgx scans into works, sql.Scanner
// types such as hstore.Hstore included. A pool made by FromDB over
// another driver keeps database/sql's driver values instead and scans them
// with database/sql's conversions.
//
// A result whose values take more than 2 GiB is not buffered: its
// statement fails with ErrResultTooLarge, after running to its end, and
// the connection goes on. Page through such a result (LIMIT, a
// server-side cursor with FETCH) or stream it with Conn.Raw.
//
// A Cursor is not safe for concurrent use.
type Cursor struct {
	columns []string
	rows    int
	next    int
	tag     string
	known   bool // tag came from the server

	// Rows as received: the values one after another, each a span of buf
	// (n < 0 is NULL), decoded with types.
	fields []pgconn.FieldDescription
	types  *pgtype.Map
	buf    []byte
	spans  []span
	plans  []scanPlan

	// Rows from another driver, as database/sql's driver values.
	values []any

	// Storage for a small result, so that it costs no allocations of its
	// own.
	spanBuf [inlineValues]span
	planBuf [inlineValues]scanPlan
}

const inlineValues = 4

// span is a value's place in a Cursor's buffer, which maxResultBytes
// keeps within reach of 32 bits.
type span struct{ off, n int32 }

// ErrResultTooLarge: a result's values take more than a Cursor buffers
// (2 GiB). The statement ran to its end, and in a Transaction so did the
// statements after it: the transaction committed unless one of them
// failed. Its rows were read and dropped; the connection goes on.
var ErrResultTooLarge = errors.New("momoko: the result is too large to buffer")

// maxResultBytes bounds the bytes of values a Cursor buffers: a span's
// offset and length are 32 bits. A variable, so that tests can lower it.
var maxResultBytes = math.MaxInt32

func resultTooLarge() error {
	return fmt.Errorf("%w: its values take more than %d bytes", ErrResultTooLarge, maxResultBytes)
}

// scanPlan is a column's plan for the destination type it was last
// scanned into.
type scanPlan struct {
	dst  reflect.Type
	plan pgtype.ScanPlan
}

func (c *Cursor) setFields(fields []pgconn.FieldDescription, types *pgtype.Map) {
	c.fields, c.types = fields, types
}

func (c *Cursor) setTag(tag string) { c.tag, c.known = tag, true }

// appendRow copies one row as received, or fails with
// ErrResultTooLarge, leaving c to be dropped.
func (c *Cursor) appendRow(values [][]byte) error {
	if c.spans == nil {
		c.spans = c.spanBuf[:0]
	}
	for _, v := range values {
		if v == nil {
			c.spans = append(c.spans, span{n: -1})
			continue
		}
		if len(v) > maxResultBytes-len(c.buf) {
			return resultTooLarge()
		}
		c.spans = append(c.spans, span{off: int32(len(c.buf)), n: int32(len(v))})
		c.buf = append(c.buf, v...)
	}
	c.rows++
	return nil
}

func (c *Cursor) width() int {
	if c.fields != nil || c.values == nil {
		return len(c.fields)
	}
	return len(c.columns)
}

// Columns are the result's column names.
func (c *Cursor) Columns() []string {
	if c.columns == nil && len(c.fields) > 0 {
		c.columns = make([]string, len(c.fields))
		for i := range c.fields {
			c.columns[i] = c.fields[i].Name
		}
	}
	return c.columns
}

// FieldDescriptions describe the result's columns as the server did; nil
// for a pool made by FromDB over another driver.
func (c *Cursor) FieldDescriptions() []pgconn.FieldDescription { return c.fields }

// CommandTag is the server's command tag, such as "INSERT 0 3" or
// "SELECT 2". With FromDB over another driver, which reports no tags, an
// INSERT, UPDATE, DELETE, MERGE or MOVE run through ExecContext gets one
// made from the driver's rows affected; anything else has "".
func (c *Cursor) CommandTag() string { return c.tag }

// RowsAffected is the row count of the command tag: rows inserted,
// updated, deleted, or returned by a SELECT. Without a tag it is the number
// of rows returned.
func (c *Cursor) RowsAffected() int64 {
	if !c.known {
		return int64(c.rows)
	}
	return pgconn.NewCommandTag(c.tag).RowsAffected()
}

// Len is the number of rows not fetched yet.
func (c *Cursor) Len() int { return c.rows - c.next }

// raw is the i-th value of row; nil for NULL.
func (c *Cursor) raw(row, i int) []byte {
	s := c.spans[row*len(c.fields)+i]
	if s.n < 0 {
		return nil
	}
	if s.n == 0 {
		// Not c.buf[0:0]: before the first byte the buffer is nil, and a
		// nil value is NULL to pgx.
		return emptyValue
	}
	return c.buf[s.off : s.off+s.n : s.off+s.n]
}

// emptyValue is a zero-length value that is not NULL.
var emptyValue = []byte{}

// FetchOne scans the next row into dest, one destination per column. It
// returns sql.ErrNoRows when no row is left. A nil destination skips its
// column.
func (c *Cursor) FetchOne(dest ...any) error {
	if c.next >= c.rows {
		return sql.ErrNoRows
	}
	if err := c.scanRow(dest); err != nil {
		return err
	}
	c.next++
	return nil
}

// scanRow scans the next row into dest without moving past it.
func (c *Cursor) scanRow(dest []any) error {
	if w := c.width(); len(dest) != w {
		return fmt.Errorf("momoko: FetchOne: %d destinations for %d columns", len(dest), w)
	}
	if c.values != nil {
		return c.assignRow(dest)
	}
	if c.plans == nil {
		if len(c.fields) <= inlineValues {
			c.plans = c.planBuf[:len(c.fields)]
		} else {
			c.plans = make([]scanPlan, len(c.fields))
		}
	}
	for i, d := range dest {
		if err := c.scan(i, d); err != nil {
			return fmt.Errorf("momoko: FetchOne: column %d (%s): %w", i, c.fields[i].Name, err)
		}
	}
	return nil
}

func (c *Cursor) scan(i int, dst any) error {
	if dst == nil {
		return nil
	}
	if rv := reflect.ValueOf(dst); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return errNilDest
	}
	f := &c.fields[i]
	t := reflect.TypeOf(dst)
	p := &c.plans[i]
	if p.plan == nil || p.dst != t {
		p.plan, p.dst = c.types.PlanScan(f.DataTypeOID, f.Format, dst), t
	}
	return p.plan.Scan(c.raw(c.next, i), dst)
}

// FetchMany returns up to n of the remaining rows as database/sql driver
// values (int64, float64, bool, []byte, string, time.Time or nil).
func (c *Cursor) FetchMany(n int) [][]any {
	end := c.next + min(max(n, 0), c.rows-c.next)
	rows := make([][]any, 0, end-c.next)
	for ; c.next < end; c.next++ {
		if c.values != nil {
			rows = append(rows, c.valueRow())
			continue
		}
		row := make([]any, len(c.fields))
		for i := range row {
			row[i] = c.driverValue(i)
		}
		rows = append(rows, row)
	}
	return rows
}

// FetchAll returns every remaining row as driver values.
func (c *Cursor) FetchAll() [][]any { return c.FetchMany(c.rows) }

// driverValue decodes a value of the current row as pgx's stdlib does for
// database/sql.
func (c *Cursor) driverValue(i int) any {
	src := c.raw(c.next, i)
	if src == nil {
		return nil
	}
	f := &c.fields[i]
	if t, ok := c.types.TypeForOID(f.DataTypeOID); ok {
		if v, err := t.Codec.DecodeDatabaseSQLValue(c.types, f.DataTypeOID, f.Format, src); err == nil {
			return v
		}
	}
	if f.Format == pgtype.TextFormatCode {
		return string(src)
	}
	return append([]byte(nil), src...)
}

// String describes the cursor for debugging, without its values.
func (c *Cursor) String() string {
	return fmt.Sprintf("<momoko.Cursor %q: %d rows, %d fetched, columns %s>", c.tag, c.rows, c.next, strings.Join(c.Columns(), ", "))
}
