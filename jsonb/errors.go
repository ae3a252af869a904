package jsonb

import (
	"errors"
	"fmt"
)

// ErrSyntax is matched by every [*SyntaxError].
var ErrSyntax = errors.New("jsonb: array syntax error")

// SyntaxError reports where an array literal failed to parse. Bad JSON
// inside an element is the codec's error, not a SyntaxError.
type SyntaxError struct {
	Pos int    // byte offset in the literal
	Msg string // what was wrong there
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonb: array syntax error at position %d: %s", e.Pos, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }
