package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/momoko-go/momoko/integration/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSelftestPasses(t *testing.T) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	var out bytes.Buffer
	err := run(t.Context(), config{dsn: dsn, addr: "127.0.0.1:0", selftest: true}, &out)
	if err != nil {
		t.Fatalf("selftest: %v\n%s", err, &out)
	}
	assertEveryPageServed(t, dsn, &out)
}

// The tutorial installs hstore where it is missing and starts again on a
// database it has already set up.
func TestSelftestInstallsHstoreAndReruns(t *testing.T) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(t.Context(), "DROP EXTENSION hstore")
	conn.Close(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var out bytes.Buffer
		if err := run(t.Context(), config{dsn: dsn, addr: "127.0.0.1:0", selftest: true}, &out); err != nil {
			t.Fatalf("selftest: %v\n%s", err, &out)
		}
		assertEveryPageServed(t, dsn, &out)
	}
}

func assertEveryPageServed(t *testing.T, dsn string, out *bytes.Buffer) {
	t.Helper()
	for _, c := range checks() {
		if !strings.Contains(out.String(), "GET "+c.path+" -> 200 OK\n") {
			t.Errorf("output lacks the response of %s:\n%s", c.path, out)
		}
	}
	if !strings.Contains(out.String(), "selftest passed") {
		t.Errorf("output lacks the verdict:\n%s", out)
	}
	if secret := password(dsn); secret == "" || strings.Contains(out.String(), secret) {
		t.Errorf("the output must show a DSN with a password, masked:\n%s", out)
	}
}

func TestJudgeRejects(t *testing.T) {
	c := check{path: "/query", want: []string{"Results: 1"}}
	for _, tc := range []struct {
		name, status, body, secret string
	}{
		{"error status", "500 Internal Server Error", "Results: 1", ""},
		{"missing text", "200 OK", "Results: 2", ""},
		{"password shown", "200 OK", "Results: 1 sesame", "sesame"},
		{"password shown escaped", "200 OK", "Results: 1 o&#39;sesame", "o'sesame"},
	} {
		if err := c.judge(tc.status, []byte(tc.body), tc.secret); err == nil {
			t.Errorf("%s: judge accepted it", tc.name)
		}
	}
	if err := c.judge("200 OK", []byte("Results: 1"), "sesame"); err != nil {
		t.Errorf("judge rejected a good page: %v", err)
	}
}

// A page's text is looked for as a reader sees it, whatever HTML escaped.
func TestJudgeReadsThroughEscapes(t *testing.T) {
	c := check{path: "/mogrify", want: []string{"'O''Reilly'"}}
	if err := c.judge("200 OK", []byte("<pre>SELECT &#39;O&#39;&#39;Reilly&#39;</pre>"), ""); err != nil {
		t.Errorf("judge rejected an escaped page: %v", err)
	}
}

func TestVerifyStatsJSON(t *testing.T) {
	const latency = `"latency": {"statement": {"count": 9, "p50_seconds": 0.0002, "p99_seconds": 0.2}}`
	for _, tc := range []struct{ name, body string }{
		{"a closed pool", `{"closed": true, "max_size": 10, "total": 2, ` + latency + `}`},
		{"no statements timed", `{"max_size": 10, "total": 2}`},
		{"p99 below p50", `{"max_size": 10, "total": 2, "latency": {"statement": {"count": 9, "p50_seconds": 0.2, "p99_seconds": 0.0002}}}`},
		{"not JSON", `not json`},
	} {
		if err := verifyStatsJSON([]byte(tc.body)); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if err := verifyStatsJSON([]byte(`{"max_size": 10, "total": 2, ` + latency + `}`)); err != nil {
		t.Errorf("good statistics rejected: %v", err)
	}
}

func TestVerifyChartsWantsBoth(t *testing.T) {
	one := []byte(`<svg><path d=""/></svg>`)
	if err := verifyCharts(one); err == nil {
		t.Error("a page with one chart was accepted")
	}
	if err := verifyCharts([]byte(`<svg><path d=""/></svg><svg></svg>`)); err == nil {
		t.Error("a chart without lines was accepted")
	}
	if err := verifyCharts(append(one, one...)); err != nil {
		t.Errorf("two charts rejected: %v", err)
	}
}

func TestFailingPageIs500(t *testing.T) {
	failing := page{title: "Failing", write: func(*app, context.Context, io.Writer) error { return errors.New("no <such> table") }}
	rec := httptest.NewRecorder()
	(&app{}).step(failing, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	want := `<!doctype html><title>Failing · Momoko tutorial</title><style>body{font-family:sans-serif} pre{background:#f4f4f4;padding:1em}</style>
<p><a href="/">← Momoko tutorial</a></p>
<h1>Failing</h1>
<p>The step failed:</p>
<pre>no &lt;such&gt; table</pre>
<p><a href="/">index</a></p>
`
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != want {
		t.Errorf("got %d:\n%s\nwant 500:\n%s", rec.Code, rec.Body, want)
	}
}

// A step's page shows its output as written, links back to the index and
// on to the next step.
func TestStepPageLinksBackAndOn(t *testing.T) {
	mogrify := page{title: "Mogrify", write: func(_ *app, _ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "SELECT 'O''Reilly' < 'P'\n")
		return err
	}}
	rec := httptest.NewRecorder()
	(&app{}).step(mogrify, &link{"/cursor", "Cursor"}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/mogrify", nil))
	want := `<!doctype html><title>Mogrify · Momoko tutorial</title><style>body{font-family:sans-serif} pre{background:#f4f4f4;padding:1em}</style>
<p><a href="/">← Momoko tutorial</a></p>
<h1>Mogrify</h1>
<pre>SELECT &#39;O&#39;&#39;Reilly&#39; &lt; &#39;P&#39;
</pre>
<p>Next: <a href="/cursor">Cursor</a> · <a href="/">index</a></p>
`
	if rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Errorf("got %d:\n%s\nwant 200:\n%s", rec.Code, rec.Body, want)
	}
}

func TestRunHidesPasswordOfUnreachableServer(t *testing.T) {
	const secret = "hunter2-tutorial"
	dsn := "postgres://app:" + secret + "@127.0.0.1:1/app?connect_timeout=5"
	var out bytes.Buffer
	err := run(t.Context(), config{dsn: dsn, addr: "127.0.0.1:0", selftest: true}, &out)
	if err == nil {
		t.Fatalf("run against a closed port succeeded:\n%s", &out)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(out.String(), secret) {
		t.Errorf("password shown: error %q, output:\n%s", err, &out)
	}
}
