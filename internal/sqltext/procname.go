package sqltext

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrBadProcName is wrapped by QuoteProcName's error for a name that is
// not a valid, possibly schema-qualified, identifier.
var ErrBadProcName = errors.New("momoko: bad function or procedure name")

// QuoteProcName quotes each dot-separated part of name as an identifier,
// so that a name given to CallProc is matched exactly and cannot inject
// SQL.
func QuoteProcName(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 3 {
		return "", fmt.Errorf("%w %q: at most database.schema.name", ErrBadProcName, name)
	}
	for _, part := range parts {
		if part == "" || strings.IndexByte(part, 0) >= 0 {
			return "", fmt.Errorf("%w %q", ErrBadProcName, name)
		}
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i + 1))
	}
	return b.String()
}

// CallSQL is the statement that calls the function or procedure whose
// name QuoteProcName quoted, with nargs parameters: SELECT * FROM name(...)
// for a function, CALL name(...) for a procedure.
func CallSQL(quoted string, procedure bool, nargs int) string {
	if procedure {
		return "CALL " + quoted + "(" + placeholders(nargs) + ")"
	}
	return "SELECT * FROM " + quoted + "(" + placeholders(nargs) + ")"
}
