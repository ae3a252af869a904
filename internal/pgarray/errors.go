package pgarray

import "fmt"

// SyntaxError reports where an array literal failed to parse.
type SyntaxError struct {
	Pos int    // byte offset in the literal
	Msg string // what was wrong there
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("array syntax error at position %d: %s", e.Pos, e.Msg)
}
