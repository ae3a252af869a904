package sqltext

import "testing"

func TestFirstWord(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT 1":                        "SELECT",
		"  \t\n\r\fselect 1":              "select",
		"((VALUES (1)))":                  "VALUES",
		"-- note\nINSERT INTO t":          "INSERT",
		"/* a /* nested */ b */ UPDATE t": "UPDATE",
		"/* unterminated SELECT":          "",
		"-- only a comment":               "",
		"BEGIN;":                          "BEGIN",
		"COPY t FROM STDIN":               "COPY",
		"":                                "",
		"$1":                              "",
	} {
		if got := FirstWord(sql); got != want {
			t.Errorf("FirstWord(%q) = %q, want %q", sql, got, want)
		}
	}
}

// The pool reads every statement's first word: reading it allocates
// nothing.
func TestFirstWordAllocatesNothing(t *testing.T) {
	sql := "/* a */ -- b\n( SELECT id FROM users WHERE id = $1"
	allocs := testing.AllocsPerRun(100, func() {
		w := FirstWord(sql)
		sink = IsCopy(w) || ControlsTransaction(w) || IsListen(sql) || ShapeVaries(sql) || ChangesSchema(sql) ||
			ChangesSession(sql)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per statement, want 0", allocs)
	}
}

func TestControlsTransaction(t *testing.T) {
	for w, want := range map[string]bool{
		"BEGIN": true, "start": true, "Commit": true, "END": true, "rollback": true, "ABORT": true,
		"SAVEPOINT": true, "RELEASE": true, "PREPARE": true,
		"SELECT": false, "COPY": false, "BEGINS": false, "": false,
	} {
		if got := ControlsTransaction(w); got != want {
			t.Errorf("ControlsTransaction(%q) = %v, want %v", w, got, want)
		}
	}
	if !IsCopy("copy") || IsCopy("COPYRIGHT") {
		t.Errorf("IsCopy: copy %v, COPYRIGHT %v; want true, false", IsCopy("copy"), IsCopy("COPYRIGHT"))
	}
}

func TestIsListen(t *testing.T) {
	for q, want := range map[string]bool{
		"LISTEN jobs":        true,
		"  listen\n\"Jobs\"": true,
		"(Listen x)":         true,
		"LISTEN":             true,
		"LISTENER":           false,
		"UNLISTEN *":         false,
		"SELECT 'LISTEN x'":  false,
		"":                   false,
	} {
		if got := IsListen(q); got != want {
			t.Errorf("IsListen(%q) = %v, want %v", q, got, want)
		}
	}
}

var sink bool

// BenchmarkFirstWord is what reading a statement's first keyword costs
// each statement through the pool.
func BenchmarkFirstWord(b *testing.B) {
	for _, sql := range []string{
		"SELECT id, name, email FROM users WHERE id = $1",
		"  /* c */ -- x\n(  insert into t values (1)",
	} {
		b.Run(sql[:6], func(b *testing.B) {
			for b.Loop() {
				w := FirstWord(sql)
				sink = IsCopy(w) || ControlsTransaction(w) || ChangesSchema(sql) || IsListen(sql) || ShapeVaries(sql)
			}
		})
	}
}

func TestChangesSchema(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT * FROM t":                            false,
		"insert into t values (1)":                   false,
		"ALTER TABLE t ADD COLUMN c int":             true,
		"CREATE TABLE t (id int)":                    true,
		"SET search_path TO app, public":             true,
		"SET LOCAL search_path = app":                true,
		"SET ROLE reader":                            true,
		"SET SESSION AUTHORIZATION alice":            true,
		"RESET ALL":                                  true,
		"SET LOCAL app.tenant = '42'":                false,
		"SET statement_timeout = '1s'":               false,
		"RESET statement_timeout":                    false,
		"CALL refresh()":                             true,
		"DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$": true,
	} {
		if got := ChangesSchema(sql); got != want {
			t.Errorf("ChangesSchema(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestCopiesWithClient(t *testing.T) {
	for sql, want := range map[string]bool{
		"COPY t FROM STDIN":                               true,
		"copy t (a, b) from stdin with (format csv)":      true,
		"COPY (SELECT 1) TO STDOUT":                       true,
		"  /* c */ COPY t TO stdout":                      true,
		"COPY t FROM '/tmp/data'":                         false,
		"COPY (SELECT 'STDIN') TO '/tmp/out'":             false,
		`COPY "stdin" FROM '/tmp/data'`:                   false,
		"SELECT 'COPY t FROM STDIN'":                      false,
		"INSERT INTO stdin VALUES (1)":                    false,
		"COPY t FROM STDIN -- and an unterminated 'quote": true,
	} {
		if got := CopiesWithClient(sql); got != want {
			t.Errorf("CopiesWithClient(%q) = %v, want %v", sql, got, want)
		}
	}
}
