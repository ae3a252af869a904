package driver

import (
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// claimsSafe is an error that says, wrongly, that nothing was sent, as pgx
// v5.12 does for a simple-protocol statement whose connection broke after
// it was written.
type claimsSafe struct{}

func (claimsSafe) Error() string     { return "conn closed" }
func (claimsSafe) SafeToRetry() bool { return true }

func TestLostIsNeverBadConnOrSafeToRetry(t *testing.T) {
	for _, cause := range []error{claimsSafe{}, driver.ErrBadConn, errors.New("unexpected EOF")} {
		err := lost(cause)
		if !errors.Is(err, ErrConnectionLost) {
			t.Errorf("lost(%v) = %v, want ErrConnectionLost", cause, err)
		}
		if errors.Is(err, driver.ErrBadConn) {
			t.Errorf("lost(%v) = %v: database/sql would run the statement again", cause, err)
		}
		if pgconn.SafeToRetry(err) {
			t.Errorf("lost(%v) = %v: pgconn.SafeToRetry says it may run again", cause, err)
		}
		if got := Classify(err); got != ClassConnectionLost {
			t.Errorf("Classify(lost(%v)) = %v", cause, got)
		}
	}
}
