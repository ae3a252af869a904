package pool_test

import (
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/pool"
)

// TestStreamRowsAfterConnectionMovedOn: rows read to their end (their
// connection back in the pool) still tell their own columns and error
// while another stream runs on that connection: what they report was
// taken while the connection was theirs, not read from the connection,
// whose result reader and row description pgx reuses for the next
// statement (under -race, reading them is a data race with the owner).
func TestStreamRowsAfterConnectionMovedOn(t *testing.T) {
	ctx := testContext(t)
	p := streamPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{Size: 1, MaxSize: 1})
	first := await(t, ctx, p.Stream(ctx, "SELECT 1/(g-100) AS first_col FROM generate_series(1, 200) g"))
	for first.Next() {
	}
	check := func(when string) {
		t.Helper()
		if err := first.Err(); sqlState(err) != pgerrcode.DivisionByZero {
			t.Fatalf("%s: Err() = %v, want SQLSTATE 22012", when, err)
		}
		if fds := first.FieldDescriptions(); len(fds) != 1 || fds[0].Name != "first_col" {
			t.Fatalf("%s: FieldDescriptions() = %+v, want first_col", when, fds)
		}
		var v int32
		if err := first.Scan(&v); err == nil {
			t.Fatalf("%s: Scan of ended rows succeeded", when)
		}
	}
	check("at the end")
	// The connection serves another stream, held open, then others run
	// on it while the first rows are read from.
	second := await(t, ctx, p.Stream(ctx, "SELECT g AS second_a, g AS second_b FROM generate_series(1, 3) g"))
	defer second.Close()
	check("while the next stream is open on the connection")
	second.Close()
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		for range 20 {
			for _, err := range pool.Each(ctx, p, pgx.RowTo[int32], "SELECT generate_series(1, 100) AS third") {
				if err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for {
		select {
		case <-done:
			check("after the connection moved on")
			return
		default:
			check("while the connection serves others")
		}
	}
}
