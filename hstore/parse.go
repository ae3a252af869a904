package hstore

import (
	"strings"

	"github.com/momoko-go/momoko/internal/pgarray"
)

// Parse parses hstore text as the server's input function does (see the
// package documentation). The result is never nil, even for empty text.
func Parse(s string) (Hstore, error) {
	p := parser{s: s}
	// Every pair holds one "=>" outside quotes, so this bounds the pair count.
	n := strings.Count(s, "=>")
	h := make(Hstore, n)
	values := make([]string, n)
	for {
		key, _, ok, err := p.token(false)
		if err != nil {
			return nil, err
		}
		if !ok {
			return h, nil
		}
		if err := p.arrow(); err != nil {
			return nil, err
		}
		val, quoted, ok, err := p.token(true)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errEOF()
		}
		if _, dup := h[key]; !dup {
			if quoted || !pgarray.IsNULL(val) {
				values[0] = val
				h[key] = &values[0]
				values = values[1:]
			} else {
				h[key] = nil
			}
		}
		more, err := p.delimiter()
		if err != nil {
			return nil, err
		}
		if !more {
			return h, nil
		}
	}
}

// parser walks hstore text; pos is the next byte to read.
type parser struct {
	s   string
	pos int
}

func (p *parser) errAt(msg string) error { return &SyntaxError{Pos: p.pos, Msg: msg} }

func (p *parser) errEOF() error { return p.errAt("unexpected end of text") }

func (p *parser) errNear() error { return p.errAt(pgarray.Unexpected(p.s, p.pos)) }

// token reads a key (isValue false) or a value. ok is false when the text
// ends before the token starts; quoted tells a quoted token, which is never
// NULL, from an unquoted one.
func (p *parser) token(isValue bool) (tok string, quoted, ok bool, err error) {
	for p.pos < len(p.s) && pgarray.IsSpace(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == len(p.s) {
		return "", false, false, nil
	}
	switch c := p.s[p.pos]; {
	case c == '"':
		p.pos++
		tok, err = p.quoted()
		return tok, true, err == nil, err
	case c == 0, c == '=' && !isValue:
		return "", false, false, p.errNear()
	}
	tok, err = p.unquoted(isValue)
	return tok, false, err == nil, err
}

// quoted reads up to and past the closing quote.
func (p *parser) quoted() (string, error) {
	start := p.pos
	for i := start; i < len(p.s); i++ {
		switch p.s[i] {
		case '"':
			p.pos = i + 1
			return p.s[start:i], nil
		case '\\':
			p.pos = i
			return p.escaped(start, func(c byte) bool { return c == '"' }, true)
		case 0:
			p.pos = i
			return "", p.errNear()
		}
	}
	p.pos = len(p.s)
	return "", p.errEOF()
}

// unquoted reads a bare token. It ends at whitespace, at the end of the
// text, at '=' in a key and at ',' in a value; the terminator is left.
func (p *parser) unquoted(isValue bool) (string, error) {
	end := func(c byte) bool { return pgarray.IsSpace(c) || (c == '=' && !isValue) || (c == ',' && isValue) }
	start := p.pos
	if p.s[start] == '\\' {
		return p.escaped(start, end, false)
	}
	// The first byte is part of the token even if it would end one, as
	// "a=>," shows: the server reads the value ",".
	for i := start + 1; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == '\\':
			p.pos = i
			return p.escaped(start, end, false)
		case c == 0:
			p.pos = i
			return "", p.errNear()
		case end(c):
			p.pos = i
			return p.s[start:i], nil
		}
	}
	p.pos = len(p.s)
	return p.s[start:], nil
}

// escaped finishes a token that holds a backslash at p.pos, building a new
// string from start. A quoted token needs its closing quote; a bare one ends
// at end or at the end of the text.
func (p *parser) escaped(start int, end func(byte) bool, quoted bool) (string, error) {
	var b strings.Builder
	b.Grow(p.pos - start + 16)
	b.WriteString(p.s[start:p.pos])
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == 0:
			return "", p.errNear()
		case c == '\\':
			p.pos++
			if p.pos == len(p.s) {
				return "", p.errEOF()
			}
			if p.s[p.pos] == 0 {
				return "", p.errNear()
			}
			b.WriteByte(p.s[p.pos])
		case end(c):
			if quoted {
				p.pos++
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
		p.pos++
	}
	if quoted {
		return "", p.errEOF()
	}
	return b.String(), nil
}

// arrow reads optional whitespace and "=>".
func (p *parser) arrow() error {
	for p.pos < len(p.s) && pgarray.IsSpace(p.s[p.pos]) {
		p.pos++
	}
	for _, want := range []byte("=>") {
		if p.pos == len(p.s) {
			return p.errEOF()
		}
		if p.s[p.pos] != want {
			return p.errNear()
		}
		p.pos++
	}
	return nil
}

// delimiter reads optional whitespace and a comma; more is false at the end
// of the text.
func (p *parser) delimiter() (more bool, err error) {
	for p.pos < len(p.s) && pgarray.IsSpace(p.s[p.pos]) {
		p.pos++
	}
	switch {
	case p.pos == len(p.s):
		return false, nil
	case p.s[p.pos] == ',':
		p.pos++
		return true, nil
	}
	return false, p.errNear()
}
