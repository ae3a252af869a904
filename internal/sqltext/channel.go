package sqltext

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrBadChannel is wrapped by QuoteChannel's error for a name that cannot
// be a notification channel.
var ErrBadChannel = errors.New("momoko: bad channel name")

// maxIdentifier is the longest identifier PostgreSQL keeps (NAMEDATALEN
// - 1): it cuts longer ones, so notifications would arrive under another
// name than the one listened to.
const maxIdentifier = 63

// QuoteChannel quotes name as an identifier for LISTEN and UNLISTEN, so
// that it is matched exactly (case and quotes kept) and cannot inject SQL:
// the server then reports notifications under name itself.
func QuoteChannel(name string) (string, error) {
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty", ErrBadChannel)
	case strings.IndexByte(name, 0) >= 0:
		return "", fmt.Errorf("%w %q: contains a NUL byte", ErrBadChannel, name)
	case len(name) > maxIdentifier:
		return "", fmt.Errorf("%w %q: longer than %d bytes, which PostgreSQL cuts", ErrBadChannel, name, maxIdentifier)
	}
	return pgx.Identifier{name}.Sanitize(), nil
}

// ListenSQL is the statement that runs verb (LISTEN or UNLISTEN) on each
// of the channels QuoteChannel quoted, in one implicit transaction: all of
// them or none.
func ListenSQL(verb string, quoted []string) string {
	var b strings.Builder
	for _, q := range quoted {
		b.WriteString(verb)
		b.WriteByte(' ')
		b.WriteString(q)
		b.WriteString("; ")
	}
	return b.String()
}
