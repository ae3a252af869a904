package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/momoko-go/momoko/integration/pgtest"
)

// smokeConfig runs every workload through every client for a few
// milliseconds: enough to check the harness and every client's answers,
// cheap enough for go test -race.
var smokeConfig = Config{Rounds: 2, RoundTime: 20 * time.Millisecond, Warmup: -1, FutureTime: 5 * time.Millisecond, BigResultRounds: 1}

func TestSmokeRunReportsEveryWorkloadAndClient(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Shared(t).NewDatabase(t)
	rep, err := RunDSN(ctx, dsn, smokeConfig)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rep.Results), len(workloads)*len(clientNames); got != want {
		t.Fatalf("%d results, want %d", got, want)
	}
	for _, w := range workloads {
		for _, name := range clientNames {
			res, ok := rep.Result(w.key(), name)
			if !ok {
				t.Fatalf("no result for %s through %s", w.key(), name)
			}
			if res.OpsPerSec <= 0 || res.P50Micros <= 0 || res.P99Micros < res.P50Micros ||
				res.AllocsPerOp <= 0 || len(res.RoundOpsPerSec) != smokeConfig.Rounds {
				t.Errorf("%s through %s: implausible result %+v", w.key(), name, res)
			}
			if name == ClientSQL && res.ThroughputVsSQL != 1 {
				t.Errorf("%s: sql+pgx against itself = %v, want 1", w.key(), res.ThroughputVsSQL)
			}
		}
	}
	if rep.Future.GoAwaitNs <= 0 || rep.Future.BareNs <= 0 || rep.Future.Ratio <= 0 {
		t.Errorf("future overhead not measured: %+v", rep.Future)
	}
	if len(rep.BigResult) != len(bigReaderNames) {
		t.Errorf("the large result read by %d readers, want %d: %+v", len(rep.BigResult), len(bigReaderNames), rep.BigResult)
	}
	for _, x := range rep.BigResult {
		if x.Seconds <= 0 || x.CPUSeconds <= 0 {
			t.Errorf("the large result through %s: implausible %+v", x.Reader, x)
		}
	}
	// Throughput, allocations, the unpipelined pool and the traced one per
	// W1 concurrency; throughput for W2, W3 and W4; W3's CPU; the stream's
	// time and heap; W4 against pgx.Batch; the future's.
	if got, want := len(rep.Targets), 3*4+3+1+2+1+1; got != want {
		t.Errorf("%d targets, want %d: %+v", got, want, rep.Targets)
	}
	if rep.Machine.PostgreSQL == "" || rep.Machine.CPUs <= 0 || rep.Machine.Go == "" {
		t.Errorf("machine not described: %+v", rep.Machine)
	}
	assertInsertsCommitted(t, dsn)
	assertOutputs(t, rep)
}

// assertInsertsCommitted checks that W4's transactions committed whole.
func assertInsertsCommitted(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows int64
	if err := db.QueryRow("SELECT count(*) FROM bench_insert").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || rows%txInserts != 0 {
		t.Errorf("bench_insert has %d rows, want a positive multiple of %d", rows, txInserts)
	}
}

func assertOutputs(t *testing.T, rep *Report) {
	t.Helper()
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not read back: %v", err)
	}
	if len(back.Results) != len(rep.Results) || back.Results[0].OpsPerSec != rep.Results[0].OpsPerSec {
		t.Errorf("JSON lost results")
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{"future.Go + Await", "W4", "PostgreSQL " + rep.Machine.PostgreSQL, BigPoolStream}, clientNames...) {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestChecksRejectWrongAnswers(t *testing.T) {
	if err := expect("SELECT 1", 2, 1); err == nil || !strings.Contains(err.Error(), "got 2, want 1") {
		t.Errorf("expect(2, 1) = %v, want a mismatch error", err)
	}
	for _, tc := range []struct {
		rows, sum int64
		last      string
	}{{999, rowSum, "row 1000"}, {rowCount, rowSum - 1, "row 1000"}, {rowCount, rowSum, ""}} {
		if err := checkRows(tc.rows, tc.sum, tc.last); err == nil {
			t.Errorf("checkRows(%d, %d, %q) accepted a wrong result", tc.rows, tc.sum, tc.last)
		}
	}
	if err := checkRows(rowCount, rowSum, "row 1000"); err != nil {
		t.Errorf("checkRows rejected the right result: %v", err)
	}
}

func TestUnknownClient(t *testing.T) {
	if _, err := openClient(context.Background(), "odbc", "postgres://x@127.0.0.1:1/x"); err == nil {
		t.Fatal("openClient accepted an unknown client")
	}
}
