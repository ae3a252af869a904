package sqltext

import "testing"

func TestChangesSession(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"SET search_path TO app", true},
		{"set application_name = 'x'", true},
		{"  /* why */ SET SESSION statement_timeout = 0", true},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", true},
		{"SET ROLE reporting", true},
		{"SET TIME ZONE 'UTC'", true},
		{"-- note\nSet\tTimeZone = 'UTC'", true},
		{"SET LOCAL search_path TO app", false},
		{"set local statement_timeout = 0", false},
		{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", false},
		{"SET CONSTRAINTS ALL DEFERRED", false},
		{"RESET ALL", true},
		{"reset search_path", true},
		{"DISCARD ALL", true},
		{"discard temp", true},
		{"SELECT pg_advisory_lock(1)", true},
		{"SELECT pg_advisory_lock_shared(1)", true},
		{"SELECT pg_try_advisory_lock(1, 2)", true},
		{"select PG_TRY_ADVISORY_LOCK_SHARED (1)", true},
		{"SELECT pg_catalog.pg_advisory_lock($1)", true},
		{`SELECT * FROM "pg_advisory_lock"($1)`, true},
		{"SELECT pg_advisory_lock /* key */ (42)", true},
		{"WITH l AS (SELECT pg_try_advisory_lock(id) FROM jobs) SELECT * FROM l", true},
		{"SELECT pg_advisory_xact_lock(1)", false},
		{"SELECT pg_try_advisory_xact_lock_shared(1)", false},
		{"SELECT pg_advisory_unlock(1)", false},
		{"SELECT pg_advisory_unlock_all()", false},
		{"SELECT 'pg_advisory_lock(1)'", false},
		{"SELECT E'it\\'s pg_advisory_lock(1)'", false},
		{"SELECT $$pg_advisory_lock(1)$$", false},
		{"SELECT $tag$ pg_advisory_lock(1) $tag$", false},
		{"SELECT 1 -- pg_advisory_lock(1)", false},
		{"SELECT 1 /* pg_advisory_lock(1) */", false},
		{`SELECT "PG_ADVISORY_LOCK"(1)`, false}, // quoted: another name
		{"SELECT pg_advisory_lock_count FROM stats", false},
		{"SELECT my_pg_advisory_lock(1)", false},
		{"SELECT 1", false},
		{"UPDATE settings SET value = 1", false},
		{"INSERT INTO t (reset) VALUES (1)", false},
		{"", false},
		{"SELECT 'unterminated pg_advisory_lock(1)", false},
	}
	for _, tt := range tests {
		if got := ChangesSession(tt.sql); got != tt.want {
			t.Errorf("ChangesSession(%q) = %v, want %v", tt.sql, got, tt.want)
		}
	}
}

// BenchmarkChangesSession is what telling session changes costs each
// statement through the pool.
func BenchmarkChangesSession(b *testing.B) {
	for _, sql := range []string{
		"SELECT id, name, email FROM users WHERE id = $1",
		"INSERT INTO events (kind, payload, created_at) VALUES ($1, $2, now()) RETURNING id, created_at, kind, payload",
		"SELECT pg_try_advisory_xact_lock($1)",
	} {
		b.Run(sql[:6], func(b *testing.B) {
			for b.Loop() {
				ChangesSession(sql)
			}
		})
	}
}
