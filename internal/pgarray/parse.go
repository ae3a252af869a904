package pgarray

import "strings"

// Parse reads a one-dimensional array literal, as array_in does, and calls
// elem with each element's text in order; null marks an unquoted NULL. It
// stops at the first error: a *SyntaxError for the literal, or elem's error
// returned as it is.
func Parse(s string, elem func(text string, null bool) error) error {
	p := parser{s: s}
	p.skipSpace()
	if err := p.dimensions(); err != nil {
		return err
	}
	if p.pos == len(s) || s[p.pos] != '{' {
		return p.errAt("array must start with '{'")
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(s) && s[p.pos] == '}' {
		p.pos++
		return p.end()
	}
	for {
		text, null, err := p.element()
		if err != nil {
			return err
		}
		if err := elem(text, null); err != nil {
			return err
		}
		// element stops only at ',' or '}'.
		p.pos++
		if s[p.pos-1] == '}' {
			return p.end()
		}
		p.skipSpace()
	}
}

// parser walks an array literal; pos is the next byte to read.
type parser struct {
	s   string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && IsSpace(p.s[p.pos]) {
		p.pos++
	}
}

func (p *parser) errAt(msg string) error { return &SyntaxError{Pos: p.pos, Msg: msg} }

func (p *parser) errEOF() error { return p.errAt("unexpected end of text") }

// errNear reports the byte at pos, which must exist.
func (p *parser) errNear() error { return p.errAt(Unexpected(p.s, p.pos)) }

// dimensions skips "[lo:hi]=" decorations.
func (p *parser) dimensions() error {
	if p.pos == len(p.s) || p.s[p.pos] != '[' {
		return nil
	}
	for p.pos < len(p.s) && p.s[p.pos] == '[' {
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 || strings.Trim(p.s[p.pos+1:p.pos+end], "0123456789+-: ") != "" {
			return p.errAt("bad dimension decoration")
		}
		p.pos += end + 1
		p.skipSpace()
	}
	if p.pos == len(p.s) || p.s[p.pos] != '=' {
		return p.errAt("dimensions must be followed by '='")
	}
	p.pos++
	p.skipSpace()
	return nil
}

// end allows only whitespace after the closing brace.
func (p *parser) end() error {
	p.skipSpace()
	if p.pos != len(p.s) {
		return p.errAt("junk after closing '}'")
	}
	return nil
}

// element reads one element up to, not past, its ',' or '}'. An element is
// either quoted or bare; a bare one loses its unescaped trailing whitespace.
func (p *parser) element() (text string, null bool, err error) {
	if p.pos == len(p.s) {
		return "", false, p.errEOF()
	}
	switch p.s[p.pos] {
	case '"':
		return p.quoted()
	case '{':
		return "", false, p.errAt("multidimensional arrays are not supported")
	}
	start := p.pos
	var b []byte
	escaped := false
	keep := 0 // length of the element without unescaped trailing whitespace
	for ; p.pos < len(p.s); p.pos++ {
		switch c := p.s[p.pos]; {
		case c == 0 || c == '"' || c == '{':
			return "", false, p.errNear()
		case c == '\\':
			if b == nil {
				b = []byte(p.s[start:p.pos])
			}
			if b, err = p.escape(b); err != nil {
				return "", false, err
			}
			keep, escaped = len(b), true
		case c == ',' || c == '}':
			if p.pos == start {
				return "", false, p.errAt("empty element")
			}
			if b == nil {
				text = p.s[start : start+keep]
			} else {
				text = string(b[:keep])
			}
			return text, !escaped && IsNULL(text), nil
		default:
			if b != nil {
				b = append(b, c)
			}
			if !IsSpace(c) {
				keep = p.pos - start + 1
				if b != nil {
					keep = len(b)
				}
			}
		}
	}
	return "", false, p.errEOF()
}

// quoted reads a quoted element, from its opening quote, and the whitespace
// after it.
func (p *parser) quoted() (string, bool, error) {
	p.pos++
	start := p.pos
	var b []byte
	for ; ; p.pos++ {
		if p.pos == len(p.s) {
			return "", false, p.errEOF()
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
			var err error
			if b, err = p.escape(b); err != nil {
				return "", false, err
			}
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
		return "", false, p.errEOF()
	}
	if c := p.s[p.pos]; c != ',' && c != '}' {
		return "", false, p.errNear()
	}
	return text, false, nil
}

// escape appends the byte after the backslash at pos and leaves pos on it.
func (p *parser) escape(b []byte) ([]byte, error) {
	p.pos++
	if p.pos == len(p.s) {
		return nil, p.errEOF()
	}
	if p.s[p.pos] == 0 {
		return nil, p.errNear()
	}
	return append(b, p.s[p.pos]), nil
}
