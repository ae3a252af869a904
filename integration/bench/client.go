package bench

import (
	"context"
	"fmt"
)

// client runs the workloads through one way of talking to PostgreSQL. Each
// method is one operation and checks the server's answer.
type client interface {
	// selectOne runs SELECT 1 (W1).
	selectOne(ctx context.Context) error
	// tutorial runs SELECT 1, 2 and 3 in parallel and waits for all (W2).
	tutorial(ctx context.Context) error
	// readRows reads the rowCount-row result of readRowsQuery in full (W3).
	readRows(ctx context.Context) error
	// insertTx runs a transaction of txInserts INSERTs (W4).
	insertTx(ctx context.Context) error
	close() error
}

// The SQL of the workloads.
const (
	selectOneQuery = "SELECT 1"
	readRowsQuery  = "SELECT g, 'row ' || g FROM generate_series(1, 1000) AS g"
	insertQuery    = "INSERT INTO bench_insert (n, note) VALUES ($1, $2)"
	createTable    = "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, n int NOT NULL, note text NOT NULL)"

	rowCount  = 1000
	rowSum    = rowCount * (rowCount + 1) / 2
	txInserts = 5
	insertArg = "benchmark row"
)

// tutorialQueries are the three queries of Momoko's tutorial request; the
// i-th answers i+1.
var tutorialQueries = [3]string{"SELECT 1", "SELECT 2", "SELECT 3"}

// maxConns is the connection limit of every client.
const maxConns = 8

func expect(what string, got, want int64) error {
	if got != want {
		return fmt.Errorf("bench: %s: got %d, want %d", what, got, want)
	}
	return nil
}

// checkRows checks what readRows read: rowCount rows whose first column
// sums to rowSum and whose text column was read.
func checkRows(rows, sum int64, lastText string) error {
	if err := expect("rows read", rows, rowCount); err != nil {
		return err
	}
	if err := expect("sum of rows", sum, rowSum); err != nil {
		return err
	}
	if lastText != "row 1000" {
		return fmt.Errorf("bench: last row text %q, want %q", lastText, "row 1000")
	}
	return nil
}
