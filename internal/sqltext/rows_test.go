package sqltext

import "testing"

func TestReturnsNoRows(t *testing.T) {
	for _, tt := range []struct {
		sql  string
		want bool
	}{
		{"UPDATE accounts SET balance = 0 WHERE id = $1", true},
		{"insert into t values (1)", true},
		{"INSERT INTO t SELECT * FROM u", true},
		{"DELETE FROM t", true},
		{"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", true},
		{"/* a */ -- b\n  UPDATE t SET x = 1", true},
		{"INSERT INTO t VALUES (1);", true},
		{"INSERT INTO t VALUES (1);  -- done\n", true},
		{"UPDATE t SET note = 'returning customer'", true},
		{"UPDATE t SET note = E'it\\'s returning'", true},
		{"UPDATE t SET note = $$returning$$", true},
		{"UPDATE t SET note = $q$ RETURNING $q$", true},
		{"UPDATE t SET x = 1 -- RETURNING x", true},
		{"UPDATE t SET x = 1 /* RETURNING x */", true},
		{`UPDATE t SET "returning" = 1`, true},
		{"UPDATE t SET returning_customer = true", true},
		{"CREATE TABLE t (id int)", true},
		{"ALTER TABLE t ADD COLUMN c int", true},
		{"DROP TABLE t", true},
		{"TRUNCATE t", true},
		{"SET search_path = app", true},
		{"RESET ALL", true},
		{"DO $$ BEGIN RAISE NOTICE 'x; y'; END $$", true},
		{"VACUUM ANALYZE t", true},
		{"BEGIN", true},
		{"NOTIFY jobs, 'returning'", true},

		{"SELECT 1", false},
		{"INSERT INTO t VALUES (1) RETURNING id", false},
		{"insert into t values (1) returning *", false},
		{"UPDATE t SET x = 1\nRETURNING\tx", false},
		{"/* a */ DELETE FROM t RETURNING *", false},
		{"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *", false},
		{"WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d", false},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", false},
		{"UPDATE t SET x = 1; SELECT * FROM t", false},
		{`UPDATE t SET x = 1; "f"()`, false},
		{"CALL refresh()", false},
		{"EXECUTE s(1)", false},
		{"FETCH 10 FROM c", false},
		{"SHOW search_path", false},
		{"EXPLAIN UPDATE t SET x = 1", false},
		{"VALUES (1)", false},
		{"TABLE t", false},
		{"COPY t TO STDOUT", false},
		{"UPDATE t SET x = 'unterminated", false},
		{"UPDATE t SET x = 1 /* unterminated", false},
		{"-- only a comment", false},
		{"", false},
	} {
		if got := ReturnsNoRows(tt.sql); got != tt.want {
			t.Errorf("ReturnsNoRows(%q) = %v, want %v", tt.sql, got, tt.want)
		}
	}
}
