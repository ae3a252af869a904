package replica

import (
	"fmt"
	"strconv"
	"strings"
)

// LSN is a position in PostgreSQL's write-ahead log (pg_lsn), in the
// pool's API as pool.LSN. Its text form is the server's, "16/B374D848".
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

// ScanLSN reads a pg_lsn sent as text; NULL (a primary's replay
// position) is 0.
func ScanLSN(s *string) (LSN, error) {
	if s == nil {
		return 0, nil
	}
	return ParseLSN(*s)
}

// longPageHeader is the size of the header that starts each WAL segment
// (40 bytes; other pages start with a 24-byte one).
const longPageHeader = 40

// Covers reports whether a standby that has replayed up to replayed has
// replayed everything before after, on a primary whose WAL pages are
// blockSize bytes (0: not known yet). That is so when it is at or past
// after, and also when replayed is a page boundary and after lies within
// the page header that follows: the primary's insert position after a
// record that ended on a boundary, which replay never reports. No record
// ends there: the next one starts after the header and is at least 24
// bytes long.
func Covers(replayed, after LSN, blockSize int64) bool {
	if replayed >= after {
		return true
	}
	block := uint64(blockSize)
	return block > 0 && uint64(replayed)%block == 0 && after-replayed <= longPageHeader
}
