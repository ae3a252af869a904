package pgtest

import (
	"fmt"
	"strings"
	"testing"
)

// fakeTB records what logOnFailure does with a test.
type fakeTB struct {
	testing.TB
	name     string
	failed   bool
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Name() string                 { return f.name }
func (f *fakeTB) Failed() bool                 { return f.failed }
func (f *fakeTB) Cleanup(fn func())            { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Logf(format string, a ...any) { f.logs = append(f.logs, fmt.Sprintf(format, a...)) }

func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestLogTailPrintsOncePerFailure(t *testing.T) {
	srv := Shared(t).Server
	if srv.LogTail(logTailBytes) == "" {
		t.Skipf("a %s server has no log", srv.Kind())
	}
	sub := &fakeTB{name: "TestX/sub", failed: true}
	logOnFailure(sub, srv) // Shared in the test
	logOnFailure(sub, srv) // and again in a helper
	sub.finish()
	if len(sub.logs) != 1 || !strings.Contains(sub.logs[0], "server log tail") {
		t.Fatalf("a failed test that used the server twice logged %q, want one tail", sub.logs)
	}
	parent := &fakeTB{name: "TestX", failed: true} // a failed subtest fails its parent
	logOnFailure(parent, srv)
	parent.finish()
	if len(parent.logs) != 1 || !strings.Contains(parent.logs[0], "unchanged since its tail was printed for TestX/sub") {
		t.Fatalf("the parent of a failed subtest logged %q, want a pointer to the tail printed above", parent.logs)
	}
	passed := &fakeTB{name: "TestY"}
	logOnFailure(passed, srv)
	passed.finish()
	if len(passed.logs) != 0 {
		t.Fatalf("a passing test logged %q", passed.logs)
	}
}
