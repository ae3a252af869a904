package pool_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/momoko-go/momoko/pool"
)

// TestZeroCursorIsEmpty: a Cursor made outside the pool (a fake Executor's
// &pool.Cursor{}) is an empty result, not a panic.
func TestZeroCursorIsEmpty(t *testing.T) {
	var c pool.Cursor
	if c.Len() != 0 || c.RowsAffected() != 0 || c.CommandTag() != "" || len(c.Columns()) != 0 {
		t.Errorf("zero cursor: Len %d, RowsAffected %d, tag %q, columns %v", c.Len(), c.RowsAffected(), c.CommandTag(), c.Columns())
	}
	if err := c.FetchOne(); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("FetchOne = %v, want sql.ErrNoRows", err)
	}
	if rows := c.FetchAll(); len(rows) != 0 {
		t.Errorf("FetchAll = %v", rows)
	}
	rows := (&pool.Cursor{}).Rows()
	if rows.Next() || rows.Err() != nil {
		t.Errorf("Rows: Next true or Err %v on a zero cursor", rows.Err())
	}
	_ = c.String()
}
