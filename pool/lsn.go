package pool

import "github.com/momoko-go/momoko/internal/replica"

// LSN is a position in PostgreSQL's write-ahead log (pg_lsn): what a
// primary has written up to, or a standby has replayed up to. Its text
// form (String) is the server's, "16/B374D848", so that a web
// application can carry a caller's last commit between requests (in a
// cookie, say) and give it to Replica.After.
type LSN = replica.LSN

// ParseLSN parses the server's text form of an LSN.
func ParseLSN(s string) (LSN, error) { return replica.ParseLSN(s) }

// cursorLSN reads the LSN of a one-row, one-column result.
func cursorLSN(cur *Cursor) (LSN, error) {
	var s *string
	if err := cur.FetchOne(&s); err != nil {
		return 0, err
	}
	return replica.ScanLSN(s)
}
