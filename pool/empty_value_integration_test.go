package pool_test

import (
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestEmptyValueIsNotNull: an empty text value is an empty string, not
// NULL, also as a result's first value, when the cursor's buffer holds no
// byte yet (it was read as NULL).
func TestEmptyValueIsNotNull(t *testing.T) {
	ctx := testContext(t)
	p := openPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1})
	for _, tc := range []struct {
		sql  string
		null []bool // per column
	}{
		{"SELECT ''::text", []bool{false}},
		{"SELECT ''::text, NULL::text", []bool{false, true}},
		{"SELECT NULL::text, ''::text", []bool{true, false}},
		{"SELECT 'a'::text, ''::text", []bool{false, false}},
	} {
		cur := await(t, ctx, p.Execute(ctx, tc.sql))
		vals := make([]*string, len(tc.null))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := cur.FetchOne(dest...); err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		for i, null := range tc.null {
			if (vals[i] == nil) != null {
				t.Errorf("%s: column %d NULL = %v, want %v", tc.sql, i, vals[i] == nil, null)
			}
		}
	}
}
