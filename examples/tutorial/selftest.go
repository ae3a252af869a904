package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"time"
)

// requestTimeout bounds one selftest request.
const requestTimeout = 30 * time.Second

// check is one page the selftest requests and what its body must hold.
type check struct {
	path   string
	want   []string
	verify func(body []byte) error // nil: only want is checked
}

// checks are every page: the index (which must link to all the others),
// each tutorial step and the statistics page (which must link back to
// it), and the statistics for programs.
func checks() []check {
	index := check{path: "/", want: []string{`href="/stats"`, `href="/stats.json"`, `href="/metrics"`}}
	cs := []check{index}
	for _, p := range pages {
		cs[0].want = append(cs[0].want, `href="`+p.path+`"`)
		cs = append(cs, check{path: p.path, want: []string{p.want, `href="/"`}})
	}
	return append(cs,
		check{path: "/stats", want: []string{"Pool statistics", "max size", "waits cancelled", `href="/"`,
			"Statement latency (p50, p99)", ">statement p50</text>", ">statement p99</text>", ">wait p99</text>"},
			verify: verifyCharts},
		check{path: "/stats.json", verify: verifyStatsJSON},
		check{path: "/metrics", want: []string{"# TYPE momoko_pool_statements_total counter",
			`momoko_pool_connections{state="idle"}`, `momoko_pool_connections_closed_total{cause="shrink"}`}, verify: verifyMetrics},
	)
}

// verifyMetrics checks that the metrics count the statements the pages
// before ran.
func verifyMetrics(body []byte) error {
	for line := range strings.Lines(string(body)) {
		var n float64
		if _, err := fmt.Sscanf(line, "momoko_pool_statements_total %g", &n); err == nil {
			if n < float64(len(pages)) {
				return fmt.Errorf("momoko_pool_statements_total %g after %d pages", n, len(pages))
			}
			return nil
		}
	}
	return errors.New("no momoko_pool_statements_total sample")
}

// verifyCharts checks that /stats draws both charts, each with its lines.
func verifyCharts(body []byte) error {
	charts := strings.Split(string(body), "<svg")[1:]
	if len(charts) != 2 {
		return fmt.Errorf("%d charts, want 2", len(charts))
	}
	for i, c := range charts {
		if !strings.Contains(c, "<path") {
			return fmt.Errorf("chart %d has no lines", i+1)
		}
	}
	return nil
}

// verifyStatsJSON checks that the JSON statistics describe the open pool,
// whose statements the pages before timed.
func verifyStatsJSON(body []byte) error {
	var s poolStats
	if err := json.Unmarshal(body, &s); err != nil {
		return err
	}
	if s.Closed || s.MaxSize != poolOptions.MaxSize || s.Total < poolOptions.Size {
		return fmt.Errorf("statistics of an open pool with Size %d, MaxSize %d expected, got %+v",
			poolOptions.Size, poolOptions.MaxSize, s)
	}
	if st := s.Latency.Statement; st.Count == 0 || st.P50Seconds <= 0 || st.P99Seconds < st.P50Seconds {
		return fmt.Errorf("statement latency of the statements run: a count and 0 < p50 <= p99 expected, got %+v", st)
	}
	return nil
}

// selftest requests every page of the tutorial served at base once, prints
// each response in short and fails if any page fails its check or shows
// secret.
func selftest(ctx context.Context, base, secret string, out io.Writer) error {
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: requestTimeout}

	var errs []error
	for _, c := range checks() {
		status, body, err := get(ctx, client, strings.TrimSuffix(base, "/")+c.path)
		if err == nil {
			err = c.judge(status, body, secret)
		}
		fmt.Fprintf(out, "GET %s -> %s\n%s", c.path, status, indent(html.UnescapeString(string(body))))
		if err != nil {
			fmt.Fprintf(out, "  FAIL: %v\n", err)
			errs = append(errs, fmt.Errorf("%s: %w", c.path, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("selftest failed:\n%w", err)
	}
	fmt.Fprintf(out, "selftest passed: %d pages\n", len(checks()))
	return nil
}

// judge says what is wrong with a response, if anything. What a page
// must show is looked for as a reader sees it, HTML's escapes resolved
// (the mogrify page's quotes are &#39; in its markup).
func (c check) judge(status string, body []byte, secret string) error {
	if status != "200 OK" {
		return fmt.Errorf("status %s", status)
	}
	shown := html.UnescapeString(string(body))
	if secret != "" && (strings.Contains(string(body), secret) || strings.Contains(shown, secret)) {
		return errors.New("the page shows the database password")
	}
	for _, w := range c.want {
		if !strings.Contains(shown, w) {
			return fmt.Errorf("body lacks %q", w)
		}
	}
	if c.verify != nil {
		return c.verify(body)
	}
	return nil
}

// get fetches url and returns its status and body.
func get(ctx context.Context, client *http.Client, url string) (string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.Status, body, err
}

// indent returns the first lines of body, indented, for the selftest's
// short printout.
func indent(body string) string {
	const maxLines, maxLine = 8, 120
	lines := strings.Split(strings.TrimSpace(body), "\n")
	var b strings.Builder
	for i, l := range lines {
		if i == maxLines {
			fmt.Fprintf(&b, "  ... (%d more lines)\n", len(lines)-maxLines)
			break
		}
		if len(l) > maxLine {
			l = l[:maxLine] + "..."
		}
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}
