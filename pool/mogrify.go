package pool

import (
	"fmt"
	"strings"

	"github.com/momoko-go/momoko/internal/sqltext"
)

// ErrCannotMogrify is wrapped by Mogrify's error for an argument it cannot
// render as a literal safely (a NUL byte, an unsupported type) and for a
// query whose placeholders do not match the arguments.
var ErrCannotMogrify = sqltext.ErrCannotMogrify

// skipString returns the index after the string literal opening at i.
// With escapes (E” strings, or any string when standard_conforming_strings
// is off) a backslash escapes the next byte.
func skipString(s string, i int, escapes bool) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if escapes {
				j++
			}
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("%w: unterminated string literal", ErrCannotMogrify)
}

func skipTo(s string, from int, closing, what string) (int, error) {
	k := strings.Index(s[from:], closing)
	if k < 0 {
		return 0, fmt.Errorf("%w: unterminated %s", ErrCannotMogrify, what)
	}
	return from + k + len(closing), nil
}

// skipBlockComment handles PostgreSQL's nested /* */ comments.
func skipBlockComment(s string, i int) (int, error) {
	depth := 0
	for j := i; j+1 < len(s); j++ {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j++
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: unterminated comment", ErrCannotMogrify)
}

// skipDollarQuote returns the index after $tag$...$tag$ opening at i, or
// i+1 when the '$' opens no dollar quote.
func skipDollarQuote(s string, i int) (int, error) {
	j := i + 1
	for j < len(s) && s[j] != '$' && (isIdentChar(s[j]) && (j > i+1 || !isDigit(s[j]))) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return i + 1, nil
	}
	tag := s[i : j+1]
	return skipTo(s, j+1, tag, "dollar-quoted string "+tag)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isIdentChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '$' || c >= 0x80
}
