package sqltext

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrCannotMogrify is wrapped by Mogrify's error for an argument it cannot
// render as a literal safely (a NUL byte, an unsupported type) and for a
// query whose placeholders do not match the arguments.
var ErrCannotMogrify = errors.New("momoko: cannot mogrify")

// Mogrify replaces the placeholders of query outside strings, quoted
// identifiers and comments: $n with args[n-1], or, when the only argument
// is a pgx.NamedArgs, @name with its value (NULL when absent, as pgx does).
// scs is the server's standard_conforming_strings.
func Mogrify(query string, scs bool, args []any) (string, error) {
	var named pgx.NamedArgs
	if len(args) == 1 {
		named, _ = args[0].(pgx.NamedArgs)
	}
	m := mogrifier{src: query, scs: scs, args: args, named: named}
	if err := m.run(); err != nil {
		return "", err
	}
	if named == nil && m.maxArg != len(args) {
		return "", fmt.Errorf("%w: the query has %d placeholder(s), %d argument(s) were given", ErrCannotMogrify, m.maxArg, len(args))
	}
	return m.out.String(), nil
}

type mogrifier struct {
	src    string
	scs    bool
	args   []any
	named  pgx.NamedArgs
	out    strings.Builder
	maxArg int
}

func (m *mogrifier) run() error {
	s := m.src
	paramEnd := -1 // a '$' right after a placeholder starts a new token
	for i := 0; i < len(s); {
		c := s[i]
		var end int
		var err error
		switch {
		case c == '\'':
			escapes := !m.scs || (i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i < 2 || !isIdentChar(s[i-2])))
			end, err = skipString(s, i, escapes)
		case c == '"':
			end, err = skipTo(s, i+1, `"`, "quoted identifier")
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end = strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s)
			} else {
				end += i + 1
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end, err = skipBlockComment(s, i)
		case c == '$' && (i == 0 || !isIdentChar(s[i-1]) || i == paramEnd):
			if i+1 < len(s) && isDigit(s[i+1]) && m.named == nil {
				i, err = m.positional(i)
				if err != nil {
					return err
				}
				paramEnd = i
				continue
			}
			end, err = skipDollarQuote(s, i)
		case c == '@' && m.named != nil && i+1 < len(s) && (isLetter(s[i+1]) || s[i+1] == '_'):
			i, err = m.namedArg(i)
			if err != nil {
				return err
			}
			continue
		default:
			m.out.WriteByte(c)
			i++
			continue
		}
		if err != nil {
			return err
		}
		m.out.WriteString(s[i:end])
		i = end
	}
	return nil
}

func (m *mogrifier) positional(i int) (int, error) {
	j := i + 1
	for j < len(m.src) && isDigit(m.src[j]) {
		j++
	}
	n, err := strconv.Atoi(m.src[i+1 : j])
	if err != nil || n < 1 || n > len(m.args) {
		return 0, fmt.Errorf("%w: placeholder %s but %d argument(s)", ErrCannotMogrify, m.src[i:j], len(m.args))
	}
	m.maxArg = max(m.maxArg, n)
	return j, m.write(m.args[n-1], m.src[i:j])
}

func (m *mogrifier) namedArg(i int) (int, error) {
	j := i + 1
	for j < len(m.src) && (isLetter(m.src[j]) || isDigit(m.src[j]) || m.src[j] == '_') {
		j++
	}
	return j, m.write(m.named[m.src[i+1:j]], m.src[i:j])
}

func (m *mogrifier) write(v any, placeholder string) error {
	lit, err := literal(v, m.scs)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCannotMogrify, placeholder, err)
	}
	// A literal must not fuse with what precedes it: '' followed by 'x' is
	// one string, and x followed by '01' a bit string.
	if n := m.out.Len(); n > 0 {
		if prev := m.out.String()[n-1]; prev == '\'' || isIdentChar(prev) {
			m.out.WriteByte(' ')
		}
	}
	m.out.WriteString(lit)
	return nil
}

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
