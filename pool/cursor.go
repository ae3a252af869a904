package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
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
	rows    [][]any
	next    int
	tag     string
	known   bool // tag came from the server
}

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
		return int64(len(c.rows))
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
func (c *Cursor) Len() int { return len(c.rows) - c.next }

// FetchOne scans the next row into dest, one destination per column, with
// the conversions of (*sql.Rows).Scan. It returns sql.ErrNoRows when no
// row is left.
func (c *Cursor) FetchOne(dest ...any) error {
	if c.next >= len(c.rows) {
		return sql.ErrNoRows
	}
	row := c.rows[c.next]
	if len(dest) != len(row) {
		return fmt.Errorf("momoko: FetchOne: %d destinations for %d columns", len(dest), len(row))
	}
	for i, v := range row {
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
	end := min(c.next+max(n, 0), len(c.rows))
	rows := c.rows[c.next:end:end]
	c.next = end
	return rows
}

// FetchAll returns every remaining row as driver values.
func (c *Cursor) FetchAll() [][]any { return c.FetchMany(len(c.rows)) }

// queryer is what statements run on: *sql.Conn or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runStatement runs one statement and buffers its result.
func runStatement(ctx context.Context, q queryer, query string, args []any) (*Cursor, error) {
	ctx, tag := driver.WithCommandTag(ctx)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classifyBadConn(err, tag)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	cur := &Cursor{columns: cols}
	ptrs := make([]any, len(cols))
	for rows.Next() {
		row := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		cur.rows = append(cur.rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if t, ok := tag.Tag(); ok {
		cur.tag, cur.known = t.String(), true
	}
	return cur, nil
}

// notSentError marks a statement that provably never reached the server:
// the pool may run it again on another connection.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// classifyBadConn tells apart the two meanings pgx's stdlib gives
// driver.ErrBadConn: nothing was sent (retry), or the connection broke with
// the statement in flight (it may have run: never retry).
func classifyBadConn(err error, tag *driver.CommandTag) error {
	switch {
	case !errors.Is(err, sqldriver.ErrBadConn):
		return err
	case tag.LostInFlight():
		return fmt.Errorf("%w: %w", driver.ErrConnectionLost, err)
	}
	return &notSentError{err: err}
}

// exec runs a statement whose rows do not matter, such as BEGIN or COMMIT.
func exec(ctx context.Context, q queryer, query string) error {
	_, err := runStatement(ctx, q, query, nil)
	return err
}
