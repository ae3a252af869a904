package engine

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind: the fake
// server's, pgconn's, or a proxy's of peer_test.go.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
