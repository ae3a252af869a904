package pool

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/momoko-go/momoko/internal/engine"
)

// Cursor is the buffered result of one statement: every row was read
// before the connection moved on. Rows are fetched in order with FetchOne,
// FetchMany or FetchAll. For a result too large to hold, stream it
// (Pool.Stream, Each): its rows are read as they arrive.
//
// Rows are kept as the server sent them, in one buffer, and decoded by
// FetchOne with pgx's type map: whatever pgx scans into works, sql.Scanner
// types such as hstore.Hstore included. A pool made by FromDB over
// another driver keeps database/sql's driver values instead and scans them
// with database/sql's conversions.
//
// A result whose values take more than 2 GiB is not buffered: its
// statement fails with ErrResultTooLarge, after running to its end, and
// the connection goes on. Stream such a result instead (Pool.Stream).
//
// A Cursor is not safe for concurrent use.
type Cursor struct {
	res     *engine.Result // the rows as received
	columns []string
	next    int
	plans   []scanPlan

	// Rows from another driver, as database/sql's driver values.
	values []any

	// Storage for a small result's plans, so that it costs no allocation
	// of its own.
	planBuf [engine.InlineValues]scanPlan
}

// ErrResultTooLarge: a result's values take more than a Cursor buffers
// (2 GiB). The statement ran to its end, and in a Transaction so did the
// statements after it: the transaction committed unless one of them
// failed. Its rows were read and dropped; the connection goes on.
var ErrResultTooLarge = engine.ErrResultTooLarge

// scanPlan is a column's plan for the destination type it was last
// scanned into.
type scanPlan struct {
	dst  reflect.Type
	plan pgtype.ScanPlan
}

// newCursor is a cursor with nothing in it yet, to fill.
func newCursor() *Cursor { return &Cursor{res: new(engine.Result)} }

// result is c's rows as received; a zero Cursor is an empty result.
func (c *Cursor) result() *engine.Result {
	if c.res == nil {
		return &noResult
	}
	return c.res
}

// noResult is the result of a zero Cursor; never written.
var noResult engine.Result

func (c *Cursor) width() int {
	if c.result().Fields != nil || c.values == nil {
		return len(c.result().Fields)
	}
	return len(c.columns)
}

// Columns are the result's column names.
func (c *Cursor) Columns() []string {
	if c.columns == nil && len(c.result().Fields) > 0 {
		c.columns = make([]string, len(c.result().Fields))
		for i := range c.result().Fields {
			c.columns[i] = c.result().Fields[i].Name
		}
	}
	return c.columns
}

// FieldDescriptions describe the result's columns as the server did; nil
// for a pool made by FromDB over another driver.
func (c *Cursor) FieldDescriptions() []pgconn.FieldDescription { return c.result().Fields }

// CommandTag is the server's command tag, such as "INSERT 0 3" or
// "SELECT 2". With FromDB over another driver, which reports no tags, an
// INSERT, UPDATE, DELETE, MERGE or MOVE run through ExecContext gets one
// made from the driver's rows affected; anything else has "".
func (c *Cursor) CommandTag() string { return c.result().Tag }

// RowsAffected is the row count of the command tag: rows inserted,
// updated, deleted, or returned by a SELECT. Without a tag it is the number
// of rows returned.
func (c *Cursor) RowsAffected() int64 {
	if !c.result().Known {
		return int64(c.result().Rows)
	}
	return pgconn.NewCommandTag(c.result().Tag).RowsAffected()
}

// Len is the number of rows not fetched yet.
func (c *Cursor) Len() int { return c.result().Rows - c.next }

// FetchOne scans the next row into dest, one destination per column. It
// returns sql.ErrNoRows when no row is left. A nil destination skips its
// column.
func (c *Cursor) FetchOne(dest ...any) error {
	if c.next >= c.result().Rows {
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
		if len(c.result().Fields) <= engine.InlineValues {
			c.plans = c.planBuf[:len(c.result().Fields)]
		} else {
			c.plans = make([]scanPlan, len(c.result().Fields))
		}
	}
	for i, d := range dest {
		if err := c.scan(i, d); err != nil {
			return fmt.Errorf("momoko: FetchOne: column %d (%s): %w", i, c.result().Fields[i].Name, err)
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
	res := c.result()
	return c.plans[i].scan(res.Types, &res.Fields[i], res.Value(c.next, i), dst)
}

// scan scans src, a value of field f, into dst, planned anew when dst's
// type is not the one last scanned into.
func (p *scanPlan) scan(m *pgtype.Map, f *pgconn.FieldDescription, src []byte, dst any) error {
	if t := reflect.TypeOf(dst); p.plan == nil || p.dst != t {
		p.plan, p.dst = m.PlanScan(f.DataTypeOID, f.Format, dst), t
	}
	return p.plan.Scan(src, dst)
}

// FetchMany returns up to n of the remaining rows as database/sql driver
// values (int64, float64, bool, []byte, string, time.Time or nil).
func (c *Cursor) FetchMany(n int) [][]any {
	end := c.next + min(max(n, 0), c.result().Rows-c.next)
	rows := make([][]any, 0, end-c.next)
	for ; c.next < end; c.next++ {
		if c.values != nil {
			rows = append(rows, c.valueRow())
			continue
		}
		row := make([]any, len(c.result().Fields))
		for i := range row {
			row[i] = c.driverValue(i)
		}
		rows = append(rows, row)
	}
	return rows
}

// FetchAll returns every remaining row as driver values.
func (c *Cursor) FetchAll() [][]any { return c.FetchMany(c.result().Rows) }

// driverValue decodes a value of the current row as pgx's stdlib does for
// database/sql.
func (c *Cursor) driverValue(i int) any {
	src := c.result().Value(c.next, i)
	if src == nil {
		return nil
	}
	f := &c.result().Fields[i]
	if t, ok := c.result().Types.TypeForOID(f.DataTypeOID); ok {
		if v, err := t.Codec.DecodeDatabaseSQLValue(c.result().Types, f.DataTypeOID, f.Format, src); err == nil {
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
	return fmt.Sprintf("<momoko.Cursor %q: %d rows, %d fetched, columns %s>", c.result().Tag, c.result().Rows, c.next, strings.Join(c.Columns(), ", "))
}
