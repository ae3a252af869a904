package future_test

import (
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
)

// TestMain checks for leaked goroutines after the tests, and closes the
// PostgreSQL server of the integration tests.
func TestMain(m *testing.M) { pgtest.Main(m) }
