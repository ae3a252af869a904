package hstore

import (
	"database/sql/driver"
	"fmt"

	"github.com/momoko-go/momoko/internal/pgarray"
)

// Array is an hstore[] value. A nil Array is SQL NULL and a nil element is a
// NULL element; multidimensional arrays are not supported.
type Array []Hstore

// Scan implements sql.Scanner for the array text format; nil gives a nil
// Array. On error a is left unchanged.
func (a *Array) Scan(src any) error {
	var s string
	switch src := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		s = src
	case []byte:
		s = string(src)
	default:
		return fmt.Errorf("%w: %T", ErrUnsupportedSource, src)
	}
	parsed := Array{}
	err := pgarray.Parse(s, func(text string, null bool) error {
		if null {
			parsed = append(parsed, nil)
			return nil
		}
		h, err := Parse(text)
		if err != nil {
			return fmt.Errorf("hstore: array element %d: %w", len(parsed)+1, err)
		}
		parsed = append(parsed, h)
		return nil
	})
	if se, ok := err.(*pgarray.SyntaxError); ok {
		return &SyntaxError{Pos: se.Pos, Msg: "array: " + se.Msg}
	}
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// Value implements driver.Valuer: a nil Array is NULL, anything else is its
// array literal.
func (a Array) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	b := append(make([]byte, 0, 64*len(a)+2), '{')
	var text []byte
	for i, h := range a {
		if i > 0 {
			b = append(b, ',')
		}
		if h == nil {
			b = append(b, "NULL"...)
			continue
		}
		var err error
		if text, err = h.AppendText(text[:0]); err != nil {
			return nil, fmt.Errorf("hstore: array element %d: %w", i+1, err)
		}
		b = pgarray.AppendElement(b, text)
	}
	return string(append(b, '}')), nil
}
