package jsonb

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// parseArray reads a one-dimensional PostgreSQL array literal, as array_in
// does, and calls elem with each element's text; null marks an unquoted
// NULL. A dimension decoration like "[0:1]=" is accepted and ignored.
func parseArray(s string, elem func(text string, null bool) error) error {
	p := parser{s: s}
	p.skipSpace()
	if err := p.dimensions(); err != nil {
		return err
	}
	if p.pos == len(s) || s[p.pos] != '{' {
		return p.arrayErr("array must start with '{'")
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(s) && s[p.pos] == '}' {
		p.pos++
		return p.arrayEnd()
	}
	for {
		text, null, err := p.arrayElement()
		if err != nil {
			return err
		}
		if err := elem(text, null); err != nil {
			return err
		}
		// arrayElement stops only at ',' or '}'.
		p.pos++
		if s[p.pos-1] == '}' {
			return p.arrayEnd()
		}
		p.skipSpace()
	}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

func (p *parser) arrayErr(msg string) error {
	return &SyntaxError{Pos: p.pos, Msg: msg}
}

// dimensions skips "[lo:hi]=" decorations.
func (p *parser) dimensions() error {
	if p.pos == len(p.s) || p.s[p.pos] != '[' {
		return nil
	}
	for p.pos < len(p.s) && p.s[p.pos] == '[' {
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 || strings.Trim(p.s[p.pos+1:p.pos+end], "0123456789+-: ") != "" {
			return p.arrayErr("bad dimension decoration")
		}
		p.pos += end + 1
		p.skipSpace()
	}
	if p.pos == len(p.s) || p.s[p.pos] != '=' {
		return p.arrayErr("dimensions must be followed by '='")
	}
	p.pos++
	p.skipSpace()
	return nil
}

// arrayEnd allows only whitespace after the closing brace.
func (p *parser) arrayEnd() error {
	p.skipSpace()
	if p.pos != len(p.s) {
		return p.arrayErr("junk after closing '}'")
	}
	return nil
}

// arrayElement reads one element up to, not past, its ',' or '}'. An
// element is either quoted or bare; a bare one may hold backslash escapes and
// loses its unescaped trailing whitespace.
func (p *parser) arrayElement() (text string, null bool, err error) {
	if p.pos == len(p.s) {
		return "", false, p.arrayErr("unexpected end of text")
	}
	if p.s[p.pos] == '"' {
		return p.quotedElement()
	}
	if p.s[p.pos] == '{' {
		return "", false, p.arrayErr("multidimensional arrays are not supported")
	}
	start := p.pos
	var b []byte
	escaped := false
	keep := 0 // length of the element without unescaped trailing whitespace
	for ; p.pos < len(p.s); p.pos++ {
		switch c := p.s[p.pos]; {
		case c == 0:
			return "", false, p.errNear()
		case c == '\\':
			if b == nil {
				b = []byte(p.s[start:p.pos])
			}
			p.pos++
			if p.pos == len(p.s) {
				return "", false, p.arrayErr("unexpected end of text")
			}
			b = append(b, p.s[p.pos])
			keep, escaped = len(b), true
		case c == ',' || c == '}':
			if p.pos == start {
				return "", false, p.arrayErr("empty element")
			}
			if b == nil {
				text = p.s[start:p.pos]
				text = text[:keep]
			} else {
				text = string(b[:keep])
			}
			return text, !escaped && isNULL(text), nil
		case c == '"' || c == '{':
			return "", false, p.errNear()
		default:
			if b != nil {
				b = append(b, c)
			}
			if !isSpace(c) {
				keep = p.pos - start + 1
				if b != nil {
					keep = len(b)
				}
			}
		}
	}
	return "", false, p.arrayErr("unexpected end of text")
}

// quotedElement reads a quoted element and the whitespace after it.
func (p *parser) quotedElement() (string, bool, error) {
	p.pos++
	start := p.pos
	var b []byte
	for ; ; p.pos++ {
		if p.pos == len(p.s) {
			return "", false, p.arrayErr("unexpected end of text")
		}
		c := p.s[p.pos]
		if c == '"' {
			break
		}
		switch c {
		case 0:
			return "", false, p.errNear()
		case '\\':
			if b == nil {
				b = []byte(p.s[start:p.pos])
			}
			p.pos++
			if p.pos == len(p.s) {
				return "", false, p.arrayErr("unexpected end of text")
			}
			b = append(b, p.s[p.pos])
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	text := p.s[start:p.pos]
	if b != nil {
		text = string(b)
	}
	p.pos++
	p.skipSpace()
	if p.pos == len(p.s) {
		return "", false, p.arrayErr("unexpected end of text")
	}
	if c := p.s[p.pos]; c != ',' && c != '}' {
		return "", false, p.errNear()
	}
	return text, false, nil
}

// appendArrayElement appends s quoted for an array literal.
func appendArrayElement[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// parser walks an array literal; pos is the next byte to read.
type parser struct {
	s   string
	pos int
}

// isSpace is the server's scanner_isspace (with \v, as recent releases have it).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isNULL is the server's ASCII-only, case-insensitive test for NULL.
func isNULL(s string) bool {
	return len(s) == 4 && s[0]|0x20 == 'n' && s[1]|0x20 == 'u' && s[2]|0x20 == 'l' && s[3]|0x20 == 'l'
}

func (p *parser) errNear() error {
	if p.s[p.pos] == 0 {
		return p.arrayErr("NUL byte")
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return p.arrayErr(fmt.Sprintf("unexpected %q", r))
}
