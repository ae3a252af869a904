package pgserver_test

import (
	"testing"

	"github.com/momoko-go/momoko/integration/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
