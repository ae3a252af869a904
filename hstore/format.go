package hstore

import (
	"slices"
	"strings"
)

// pair is one entry of an Hstore, for sorting.
type pair struct {
	key   string
	value *string
}

// AppendText appends h in the server's output form, keys sorted, and
// implements encoding.TextAppender. A nil Hstore appends nothing, like an
// empty one: NULL is Value's business.
func (h Hstore) AppendText(b []byte) ([]byte, error) {
	pairs := make([]pair, 0, len(h))
	size := 0
	for k, v := range h {
		pairs = append(pairs, pair{k, v})
		size += len(k) + 12 // quotes, "=>", ", " and a few escapes
		if v != nil {
			size += len(*v)
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	b = slices.Grow(b, size)
	for i, p := range pairs {
		if i > 0 {
			b = append(b, ", "...)
		}
		var ok bool
		if b, ok = appendQuoted(b, p.key); !ok {
			return nil, ErrNULByte
		}
		b = append(b, "=>"...)
		if p.value == nil {
			b = append(b, "NULL"...)
		} else if b, ok = appendQuoted(b, *p.value); !ok {
			return nil, ErrNULByte
		}
	}
	return b, nil
}

// appendQuoted appends s in double quotes, escaping '"' and '\'. It reports
// false for a NUL byte, which no PostgreSQL text can hold.
func appendQuoted(b []byte, s string) ([]byte, bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\':
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i
		case 0:
			return nil, false
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}
