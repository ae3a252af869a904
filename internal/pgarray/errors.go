package pgarray

import (
	"fmt"
	"unicode/utf8"
)

// SyntaxError reports where an array literal failed to parse.
type SyntaxError struct {
	Pos int    // byte offset in the literal
	Msg string // what was wrong there
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("array syntax error at position %d: %s", e.Pos, e.Msg)
}

// Unexpected describes the character at s[pos] for a syntax error's Msg, in
// the words the array and hstore parsers share: "NUL byte" or
// "unexpected 'x'".
func Unexpected(s string, pos int) string {
	if s[pos] == 0 {
		return "NUL byte"
	}
	r, _ := utf8.DecodeRuneInString(s[pos:])
	return fmt.Sprintf("unexpected %q", r)
}
