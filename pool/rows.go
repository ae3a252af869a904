package pool

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Rows reads the cursor's remaining rows as pgx.Rows, so that pgx's row
// functions work on it: pgx.CollectRows(cur.Rows(),
// pgx.RowToStructByName[User]) loads structs by column name, whatever the
// order of the columns. Rows are decoded with the same type map as
// FetchOne. Conn returns nil: the connection moved on when the rows were
// read. Closing the Rows leaves the cursor past the rows it read.
//
// With a pool made by FromDB over another driver, FieldDescriptions carry
// the column names only, and Values returns database/sql's driver values.
func (c *Cursor) Rows() pgx.Rows { return &cursorRows{c: c} }

// cursorRows is a Cursor read through pgx.Rows: Next moves onto a row,
// Scan and Values read it.
type cursorRows struct {
	c      *Cursor
	onRow  bool // Next moved onto row c.next, which is not consumed yet
	closed bool
	err    error
	fields []pgconn.FieldDescription // names only, for another driver's rows
}

var errScanWithoutNext = errors.New("momoko: Rows.Scan called without a successful Next")

func (r *cursorRows) Close() {
	if r.onRow {
		r.c.next++
		r.onRow = false
	}
	r.closed = true
}

func (r *cursorRows) Err() error { return r.err }

func (r *cursorRows) CommandTag() pgconn.CommandTag { return pgconn.NewCommandTag(r.c.result().Tag) }

func (r *cursorRows) FieldDescriptions() []pgconn.FieldDescription {
	if r.c.result().Fields != nil || r.c.values == nil {
		return r.c.result().Fields
	}
	if r.fields == nil {
		r.fields = make([]pgconn.FieldDescription, len(r.c.columns))
		for i, name := range r.c.columns {
			r.fields[i].Name = name
		}
	}
	return r.fields
}

func (r *cursorRows) Next() bool {
	if r.closed {
		return false
	}
	if r.onRow {
		r.c.next++
	}
	r.onRow = r.c.next < r.c.result().Rows
	if !r.onRow {
		r.Close()
	}
	return r.onRow
}

func (r *cursorRows) Scan(dest ...any) error {
	if !r.onRow {
		return errScanWithoutNext
	}
	// As pgx's own Rows: a single pgx.RowScanner scans the row itself
	// (pgx.RowToMap is one).
	if len(dest) == 1 {
		if rs, ok := dest[0].(pgx.RowScanner); ok {
			return rs.ScanRow(r)
		}
	}
	if err := r.c.scanRow(dest); err != nil {
		// As pgx's own Rows: a failed Scan ends the rows with its error.
		r.err = err
		r.Close()
		return err
	}
	return nil
}

func (r *cursorRows) Values() ([]any, error) {
	if !r.onRow {
		return nil, errScanWithoutNext
	}
	c := r.c
	if c.values != nil {
		return c.valueRow(), nil
	}
	values := make([]any, len(c.result().Fields))
	for i := range values {
		v, err := c.value(i)
		if err != nil {
			r.err = err
			r.Close()
			return nil, err
		}
		values[i] = v
	}
	return values, nil
}

// value decodes a value of the current row as pgx's Rows.Values does.
func (c *Cursor) value(i int) (any, error) {
	res := c.result()
	return decodeValue(res.Types, &res.Fields[i], res.Value(c.next, i))
}

// decodeValue decodes src, a value of field f, as pgx's Rows.Values does.
func decodeValue(m *pgtype.Map, f *pgconn.FieldDescription, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	if t, ok := m.TypeForOID(f.DataTypeOID); ok {
		return t.Codec.DecodeValue(m, f.DataTypeOID, f.Format, src)
	}
	if f.Format == pgtype.TextFormatCode {
		return string(src), nil
	}
	return append([]byte(nil), src...), nil
}

func (r *cursorRows) RawValues() [][]byte {
	if !r.onRow || r.c.values != nil {
		return nil
	}
	raw := make([][]byte, len(r.c.result().Fields))
	for i := range raw {
		raw[i] = r.c.result().Value(r.c.next, i)
	}
	return raw
}

func (r *cursorRows) Conn() *pgx.Conn { return nil }

// SQLRows reads the cursor's remaining rows with the methods of
// *sql.Rows that row mappers written for database/sql call (Columns, Next,
// Scan, Err, Close), so that sqlx.StructScan(cur.SQLRows(), &users) and
// scany's sqlscan.ScanAll work on a pool's results.
func (c *Cursor) SQLRows() *SQLRows { return &SQLRows{rows: cursorRows{c: c}} }

// SQLRows is a Cursor read the way *sql.Rows is read; see Cursor.SQLRows.
type SQLRows struct{ rows cursorRows }

// Columns are the result's column names.
func (r *SQLRows) Columns() ([]string, error) { return r.rows.c.Columns(), nil }

// Next moves onto the next row; it reports false when none is left.
func (r *SQLRows) Next() bool { return r.rows.Next() }

// Scan scans the current row, one destination per column.
func (r *SQLRows) Scan(dest ...any) error { return r.rows.Scan(dest...) }

// Err is the error that ended the rows, if any.
func (r *SQLRows) Err() error { return r.rows.Err() }

// Close ends the rows; it never fails: the rows were read already.
func (r *SQLRows) Close() error {
	r.rows.Close()
	return nil
}

// TypeMap is the map the rows decode with; a new default one for another
// driver's rows, which are not decoded by pgx.
func (r *cursorRows) TypeMap() *pgtype.Map {
	if r.c.result().Types == nil {
		return pgtype.NewMap()
	}
	return r.c.result().Types
}
