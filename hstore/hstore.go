package hstore

import (
	"database/sql/driver"
	"errors"
	"fmt"
)

// Hstore is an hstore value: a nil *string is a NULL value, and a nil Hstore
// is SQL NULL (see the package documentation).
type Hstore map[string]*string

// ErrSyntax is matched by every [*SyntaxError].
var ErrSyntax = errors.New("hstore: syntax error")

// ErrNULByte is returned by Value for a key or value holding a NUL byte,
// which PostgreSQL text cannot store.
var ErrNULByte = errors.New("hstore: NUL byte in key or value")

// ErrUnsupportedSource is returned by Scan for a source that is neither
// string, []byte nor nil.
var ErrUnsupportedSource = errors.New("hstore: unsupported Scan source")

// SyntaxError reports where text failed to parse.
type SyntaxError struct {
	Pos int    // byte offset in the text
	Msg string // what was wrong there
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("hstore: syntax error at position %d: %s", e.Pos, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// Text returns a pointer to s, for building Hstore literals.
func Text(s string) *string { return &s }

// Scan implements sql.Scanner: nil gives a nil Hstore, a string or []byte is
// parsed as hstore text. On error h is left unchanged.
func (h *Hstore) Scan(src any) error {
	var parsed Hstore
	var err error
	switch src := src.(type) {
	case nil:
		*h = nil
		return nil
	case string:
		parsed, err = Parse(src)
	case []byte:
		// One copy: every unescaped key and value is then a substring of it.
		parsed, err = Parse(string(src))
	default:
		return fmt.Errorf("%w: %T", ErrUnsupportedSource, src)
	}
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// Value implements driver.Valuer: a nil Hstore is NULL, anything else is its
// text form.
func (h Hstore) Value() (driver.Value, error) {
	if h == nil {
		return nil, nil
	}
	b, err := h.AppendText(nil)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
