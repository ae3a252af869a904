package pool_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/momoko-go/momoko/integration/pgtest"
	"github.com/momoko-go/momoko/internal/engine"
	"github.com/momoko-go/momoko/pool"
)

// TestReadGroupFailingMemberFailsAlone: among callers reading their own
// number, one divides by zero. Grouped with them, its error rolls back
// the group's transaction and makes the server skip the rest: it gets
// 22012, and every other caller its own number, run again where its
// group's run did not stand (Stats.ReadGroups.Again): in a round, only the
// other members of the one group that failed, at most engine.GroupLimit-1,
// since their second runs fail nothing. Rounds without the failure run
// nothing again.
func TestReadGroupFailingMemberFailsAlone(t *testing.T) {
	ctx := testContext(t)
	p := groupPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	warm(t, ctx, p, groupRead, 1)

	const failing = groupCallers / 2
	round := func(r int, withFailure bool) {
		t.Helper()
		if withFailure {
			primeFail(t, ctx, p)
		}
		markFast(p, groupRead, groupFail)
		out := groupBurst(ctx, p.Execute, groupCallers, func(i int) (string, []any) {
			if withFailure && i == failing {
				return groupFail, []any{0}
			}
			return groupRead, []any{r*1000 + i}
		})
		for i, o := range out {
			if withFailure && i == failing {
				if state := sqlState(o.err); state != pgerrcode.DivisionByZero {
					t.Fatalf("round %d: %s: %v (SQLSTATE %q), want SQLSTATE %s", r, groupFail, o.err, state, pgerrcode.DivisionByZero)
				}
				continue
			}
			if o.err != nil || o.v != int64(r*1000+i) {
				t.Fatalf("round %d: caller %d got %d (%v), want %d", r, i, o.v, o.err, r*1000+i)
			}
		}
	}

	failedInGroup, rounds := 0, 0
	for ; rounds < groupRounds && failedInGroup < 5; rounds++ {
		before := groupStats(p)
		round(rounds, true)
		after := groupStats(p)
		if again := after.Again - before.Again; again > 0 {
			failedInGroup++
			if again > engine.GroupLimit-1 {
				t.Fatalf("round %d: %d runs again, more than the other members of one group (%d)", rounds, again, engine.GroupLimit-1)
			}
		}
		if n := after.Statements - before.Statements; n > groupCallers {
			t.Fatalf("round %d: %d grouped outcomes for %d callers", rounds, n, groupCallers)
		}
	}
	st := groupStats(p)
	t.Logf("%d rounds, %d with the failure inside a group: %+v", rounds, failedInGroup, st)
	if st.Statements == 0 {
		t.Fatalf("no read group formed in %d rounds", rounds)
	}
	if failedInGroup < 5 {
		t.Fatalf("the failing statement ended a group in only %d of %d rounds", failedInGroup, rounds)
	}

	before := groupStats(p)
	for r := range 10 {
		round(rounds+r, false)
	}
	after := groupStats(p)
	if after.Again != before.Again {
		t.Fatalf("without a failure, %d statements ran again", after.Again-before.Again)
	}
	if after.Statements == before.Statements {
		t.Fatal("no group formed in the 10 rounds without a failure")
	}
}

// TestReadGroupWriterRunsOnceAndIsLearned: a writer dressed as a read
// (nextval of a sequence, a plpgsql function that inserts) fails its
// group's read-only transaction with 25006 the first time it is grouped:
// it has done nothing then, runs again alone, and its caller sees one
// success. Each call has exactly one effect; once the writer was found,
// its text never joins a group again (Again stops growing) while the
// reads around it still group.
func TestReadGroupWriterRunsOnceAndIsLearned(t *testing.T) {
	ctx := testContext(t)
	dsn := pgtest.Shared(t).NewDatabase(t)
	setup := openPool(t, ctx, dsn, pool.Options{Size: 1})
	for _, ddl := range []string{
		"CREATE SEQUENCE grp_seq",
		"CREATE TABLE grp_effects (v int NOT NULL)",
		`CREATE FUNCTION grp_insert(x int) RETURNS int LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO grp_effects VALUES (x); RETURN x + 1000000; END $$`,
	} {
		await(t, ctx, setup.Execute(ctx, ddl))
	}

	var arg atomic.Int64 // every call to grp_insert passes its own
	for _, writer := range []struct {
		name, sql string
		args      func() []any
		want      func(args []any) int64 // the result, -1: checked afterwards
	}{
		{"nextval", "SELECT nextval('grp_seq')", func() []any { return nil }, func([]any) int64 { return -1 }},
		{"function", "SELECT grp_insert($1)", func() []any { return []any{arg.Add(1)} },
			func(a []any) int64 { return a[0].(int64) + 1000000 }},
	} {
		t.Run(writer.name, func(t *testing.T) {
			p := groupPool(t, ctx, dsn, pool.Options{})
			warm(t, ctx, p, groupRead, 1)
			var results []int64
			round := func(r int) {
				t.Helper()
				markFast(p, groupRead, writer.sql)
				args := make([][]any, groupCallers)
				out := groupBurst(ctx, p.Execute, groupCallers, func(i int) (string, []any) {
					if i%2 == 1 {
						args[i] = writer.args()
						return writer.sql, args[i]
					}
					return groupRead, []any{i}
				})
				for i, o := range out {
					want := int64(i)
					if i%2 == 1 {
						results = append(results, o.v)
						want = writer.want(args[i])
						if want < 0 {
							want = o.v
						}
					}
					if o.err != nil || o.v != want {
						t.Fatalf("round %d: caller %d got %d (%v), want %d", r, i, o.v, o.err, want)
					}
				}
			}
			rounds := 0
			for ; rounds < groupRounds && groupStats(p).Again == 0; rounds++ {
				round(rounds)
			}
			found := groupStats(p)
			if found.Again == 0 {
				t.Fatalf("%s never failed a group in %d rounds: it was never grouped", writer.sql, rounds)
			}
			for r := range 10 {
				round(rounds + r)
			}
			after := groupStats(p)
			t.Logf("found in round %d: %+v; 10 rounds later: %+v", rounds, found, after)
			if after.Again != found.Again {
				t.Fatalf("after the writer was found, %d more runs again: it was grouped again", after.Again-found.Again)
			}
			if after.Statements == found.Statements {
				t.Fatal("the reads stopped grouping once the writer was found")
			}
			checkEffects(t, ctx, p, writer.name, results)
		})
	}
}

// checkEffects checks that each call of the writer had exactly one
// effect: results are its callers' results, all distinct.
func checkEffects(t *testing.T, ctx context.Context, p *pool.Pool, writer string, results []int64) {
	t.Helper()
	slices.Sort(results)
	if len(slices.Compact(slices.Clone(results))) != len(results) {
		t.Fatalf("%s returned the same result twice: %v", writer, results)
	}
	var effects []int64
	switch writer {
	case "nextval":
		// The sequence moved exactly once per call: its values are 1..n.
		for i := range results {
			if results[i] != int64(i+1) {
				t.Fatalf("nextval results %v, want 1..%d", results, len(results))
			}
		}
		if last := execInt(t, ctx, p, "SELECT last_value FROM grp_seq"); last != int64(len(results)) {
			t.Fatalf("sequence at %d after %d calls", last, len(results))
		}
		return
	case "function":
		cur := await(t, ctx, p.Execute(ctx, "SELECT v + 1000000 FROM grp_effects ORDER BY v"))
		for _, row := range cur.FetchAll() {
			effects = append(effects, row[0].(int64))
		}
	}
	if !slices.Equal(effects, results) {
		t.Fatalf("%d calls left %d rows; calls %v, rows %v", len(results), len(effects), results, effects)
	}
	t.Logf("%d calls, %d effects", len(results), len(effects))
}

// TestReadGroupTempTableWriteNotReportedDoneWhileUndone: a function that
// inserts into a temporary table, which a read-only transaction allows,
// grouped with a statement that fails after it, ran, and was rolled back
// with its group: it must run again rather than be reported done. Each
// run also takes the next value of a temporary sequence, which no
// rollback undoes, so that runs beyond the rows show the rolled-back runs
// happened. Every call that succeeded left exactly one row on the pool's
// one connection. A second function creates its temporary table with
// CREATE TEMP TABLE IF NOT EXISTS, which a read-only transaction refuses
// (25006) even when the table exists: it is found to write, and runs alone.
func TestReadGroupTempTableWriteNotReportedDoneWhileUndone(t *testing.T) {
	ctx := testContext(t)
	p := groupPool(t, ctx, pgtest.Shared(t).NewDatabase(t), pool.Options{})
	for _, ddl := range []string{
		`CREATE FUNCTION grp_temp_add(x int) RETURNS int LANGUAGE plpgsql AS $$
		BEGIN
			IF to_regclass('pg_temp.grp_temp') IS NULL THEN
				CREATE TEMP TABLE grp_temp (v int NOT NULL);
				CREATE TEMP SEQUENCE grp_runs;
			END IF;
			PERFORM nextval('pg_temp.grp_runs');
			INSERT INTO grp_temp VALUES (x);
			RETURN x;
		END $$`,
		`CREATE FUNCTION grp_temp_add_ine(x int) RETURNS int LANGUAGE plpgsql AS $$
		BEGIN
			CREATE TEMP TABLE IF NOT EXISTS grp_temp (v int NOT NULL);
			INSERT INTO grp_temp VALUES (x);
			RETURN x;
		END $$`,
	} {
		await(t, ctx, p.Execute(ctx, ddl))
	}
	const add, addINE = "SELECT grp_temp_add($1)", "SELECT grp_temp_add_ine($1)"
	pid := execInt(t, ctx, p, "SELECT pg_backend_pid()")
	// Alone (nothing in flight), so not grouped: the first call creates
	// the temporary table and sequence on the pool's one connection.
	var succeeded []int64
	for x := range int64(3) {
		succeeded = append(succeeded, execInt(t, ctx, p, add, x+1))
	}
	warm(t, ctx, p, groupRead, 1)

	next := int64(100)
	rolledBack := func() int64 {
		return execInt(t, ctx, p, "SELECT last_value FROM grp_runs") - execInt(t, ctx, p, "SELECT count(*) FROM grp_temp WHERE v < 1000000")
	}
	rounds := 0
	for ; rounds < groupRounds && rolledBack() < 10; rounds++ {
		primeFail(t, ctx, p)
		markFast(p, groupRead, groupFail, add, addINE)
		args := make([]int64, groupCallers)
		out := groupBurst(ctx, p.Execute, groupCallers, func(i int) (string, []any) {
			next++
			args[i] = next
			switch {
			case i%8 == 7:
				return groupFail, []any{0}
			case i == 9:
				args[i] += 1000000 // the ones that create with IF NOT EXISTS
				return addINE, []any{args[i]}
			case i%2 == 0:
				return add, []any{args[i]}
			}
			return groupRead, []any{args[i]}
		})
		for i, o := range out {
			if i%8 == 7 {
				if state := sqlState(o.err); state != pgerrcode.DivisionByZero {
					t.Fatalf("round %d: %s: %v, want SQLSTATE %s", rounds, groupFail, o.err, pgerrcode.DivisionByZero)
				}
				continue
			}
			if o.err != nil || o.v != args[i] {
				t.Fatalf("round %d: caller %d got %d (%v), want %d", rounds, i, o.v, o.err, args[i])
			}
			if i%2 == 0 || i == 9 {
				succeeded = append(succeeded, o.v)
			}
		}
	}
	st := groupStats(p)
	undone := rolledBack()
	t.Logf("%d rounds: %d runs of grp_temp_add rolled back and run again; %+v", rounds, undone, st)
	if st.Statements == 0 {
		t.Fatalf("no read group formed in %d rounds", rounds)
	}
	if undone < 10 {
		t.Fatalf("in %d rounds only %d runs of grp_temp_add were rolled back with their group", rounds, undone)
	}
	if got := execInt(t, ctx, p, "SELECT pg_backend_pid()"); got != pid {
		t.Fatalf("the pool's connection changed (backend %d, then %d): its temporary table is gone", pid, got)
	}
	cur := await(t, ctx, p.Execute(ctx, "SELECT v FROM grp_temp ORDER BY v"))
	var rows []int64
	for _, row := range cur.FetchAll() {
		rows = append(rows, row[0].(int64))
	}
	slices.Sort(succeeded)
	if !slices.Equal(rows, succeeded) {
		t.Fatalf("%d calls succeeded, %d rows in the temporary table:\n%s", len(succeeded), len(rows), diffInts(succeeded, rows))
	}
}

// diffInts lists what want and got do not share.
func diffInts(want, got []int64) string {
	count := map[int64]int{}
	for _, v := range want {
		count[v]++
	}
	for _, v := range got {
		count[v]--
	}
	s := ""
	for v, n := range count {
		switch {
		case n > 0:
			s += fmt.Sprintf("  %d: succeeded, no row\n", v)
		case n < 0:
			s += fmt.Sprintf("  %d: %d rows too many\n", v, -n)
		}
	}
	return s
}
