package pool

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/momoko-go/momoko/driver"
)

// Cursor is the buffered result of one statement: every row was read
// before the connection went back to the pool. Rows are fetched in order
// with FetchOne, FetchMany or FetchAll; FetchOne scans with database/sql's
// conversion rules, so sql.Scanner types such as hstore.Hstore work.
//
// A Cursor is not safe for concurrent use.
type Cursor struct {
	columns []string
	values  []any // the rows one after another, len(columns) values each
	rows    int
	next    int
	tag     string
	known   bool // tag came from the server

	// Storage for the common small result, so that it costs no allocations
	// of its own: the statement's outcome, the scan pointers and the first
	// row of up to inlineColumns values.
	outcome driver.CommandTag
	ptrBuf  [inlineColumns]any
	valBuf  [inlineColumns]any
}

const inlineColumns = 4

// Columns are the result's column names.
func (c *Cursor) Columns() []string { return c.columns }

// CommandTag is the server's command tag, such as "INSERT 0 3" or
// "SELECT 2"; "" when the driver does not report tags (FromDB with another
// driver).
func (c *Cursor) CommandTag() string { return c.tag }

// RowsAffected is the row count of the command tag: rows inserted,
// updated, deleted, or returned by a SELECT. Without a tag it is the number
// of rows returned.
func (c *Cursor) RowsAffected() int64 {
	if !c.known {
		return int64(c.rows)
	}
	i := strings.LastIndexByte(c.tag, ' ')
	var n int64
	for _, ch := range c.tag[i+1:] {
		if ch < '0' || ch > '9' {
			return 0
		}
		n = n*10 + int64(ch-'0')
	}
	return n
}

// Len is the number of rows not fetched yet.
func (c *Cursor) Len() int { return c.rows - c.next }

func (c *Cursor) row(i int) []any {
	n := len(c.columns)
	return c.values[i*n : (i+1)*n : (i+1)*n]
}

// FetchOne scans the next row into dest, one destination per column, with
// the conversions of (*sql.Rows).Scan. It returns sql.ErrNoRows when no
// row is left.
func (c *Cursor) FetchOne(dest ...any) error {
	if c.next >= c.rows {
		return sql.ErrNoRows
	}
	if len(dest) != len(c.columns) {
		return fmt.Errorf("momoko: FetchOne: %d destinations for %d columns", len(dest), len(c.columns))
	}
	for i, v := range c.row(c.next) {
		if err := assign(dest[i], v); err != nil {
			return fmt.Errorf("momoko: FetchOne: column %d (%s): %w", i, c.columns[i], err)
		}
	}
	c.next++
	return nil
}

// FetchMany returns up to n of the remaining rows as driver values (int64,
// float64, bool, []byte, string, time.Time or nil).
func (c *Cursor) FetchMany(n int) [][]any {
	end := c.next + min(max(n, 0), c.rows-c.next)
	rows := make([][]any, 0, end-c.next)
	for ; c.next < end; c.next++ {
		rows = append(rows, c.row(c.next))
	}
	return rows
}

// FetchAll returns every remaining row as driver values.
func (c *Cursor) FetchAll() [][]any { return c.FetchMany(c.rows) }
