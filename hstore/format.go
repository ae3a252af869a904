package hstore

import (
	"maps"
	"slices"
	"strings"
)

// AppendText appends h in the server's output form, keys sorted, and
// implements encoding.TextAppender. A nil Hstore appends nothing, like an
// empty one: NULL is Value's business.
func (h Hstore) AppendText(b []byte) ([]byte, error) {
	keys := slices.Sorted(maps.Keys(h))
	size := 0
	for _, k := range keys {
		size += len(k) + 12 // quotes, "=>", ", " and a few escapes
		if v := h[k]; v != nil {
			size += len(*v)
		}
	}
	b = slices.Grow(b, size)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		var err error
		if b, err = appendQuoted(b, k); err != nil {
			return nil, err
		}
		b = append(b, "=>"...)
		v := h[k]
		if v == nil {
			b = append(b, "NULL"...)
			continue
		}
		if b, err = appendQuoted(b, *v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendQuoted appends s in double quotes, escaping '"' and '\'.
func appendQuoted(b []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, ErrNULByte
	}
	b = append(b, '"')
	for {
		i := strings.IndexAny(s, `"\`)
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, '\\', s[i])
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"'), nil
}
