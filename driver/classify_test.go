package driver_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	momoko "github.com/momoko-go/momoko/driver"
)

func TestClassify(t *testing.T) {
	pgErr := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		name string
		err  error
		want momoko.Class
	}{
		{"nil", nil, momoko.ClassNone},
		{"unique violation", pgErr("23505"), momoko.ClassPermanent},
		{"syntax error", pgErr("42601"), momoko.ClassPermanent},
		{"serialization failure", pgErr("40001"), momoko.ClassRetryTransaction},
		{"deadlock", pgErr("40P01"), momoko.ClassRetryTransaction},
		{"statement completion unknown", pgErr("40003"), momoko.ClassConnectionLost},
		{"admin shutdown", pgErr("57P01"), momoko.ClassConnectionLost},
		{"connection failure", pgErr("08006"), momoko.ClassConnectionLost},
		{"database not available", &momoko.UnavailableError{Err: io.EOF}, momoko.ClassSafeToRetry},
		{"bad conn", fmt.Errorf("x: %w", driver.ErrBadConn), momoko.ClassSafeToRetry},
		{"connection lost guard", momoko.ErrConnectionLost, momoko.ClassConnectionLost},
		{"connector closed", momoko.ErrConnectorClosed, momoko.ClassPermanent},
		{"BeforeConnect's network error", fmt.Errorf("%w: %w", momoko.ErrBeforeConnect, &net.OpError{Op: "dial", Err: io.EOF}), momoko.ClassSafeToRetry},
		{"BeforeConnect gave up with its caller", fmt.Errorf("%w: %w", momoko.ErrBeforeConnect, context.Canceled), momoko.ClassPermanent},
		{"unexpected EOF", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), momoko.ClassConnectionLost},
		{"net error", &net.OpError{Op: "read", Err: io.EOF}, momoko.ClassConnectionLost},
		{"caller canceled", context.Canceled, momoko.ClassPermanent},
		{"plain", fmt.Errorf("something"), momoko.ClassPermanent},
	}
	for _, tt := range tests {
		if got := momoko.Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
	if s := momoko.Class(99).String(); s != "unknown" {
		t.Errorf("String of bad class = %q", s)
	}
}
