package pool

import (
	"fmt"
	"strconv"
	"strings"
)

// LSN is a position in PostgreSQL's write-ahead log (pg_lsn): what a
// primary has written up to, or a standby has replayed up to. Its text
// form is the server's, "16/B374D848", so that a web application can
// carry a caller's last commit between requests (in a cookie, say) and
// give it to Replica.After.
type LSN uint64

// String is the server's text form of l.
func (l LSN) String() string {
	return fmt.Sprintf("%X/%X", uint32(l>>32), uint32(l))
}

// ParseLSN parses the server's text form of an LSN.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("momoko: LSN %q: want the form 16/B374D848", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("momoko: LSN %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("momoko: LSN %q: %w", s, err)
	}
	return LSN(h<<32 | l), nil
}

// scanLSN reads a pg_lsn sent as text; NULL (a primary's replay
// position) is 0.
func scanLSN(s *string) (LSN, error) {
	if s == nil {
		return 0, nil
	}
	return ParseLSN(*s)
}

// cursorLSN reads the LSN of a one-row, one-column result.
func cursorLSN(cur *Cursor) (LSN, error) {
	var s *string
	if err := cur.FetchOne(&s); err != nil {
		return 0, err
	}
	return scanLSN(s)
}
