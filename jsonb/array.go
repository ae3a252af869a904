package jsonb

import (
	"database/sql/driver"
	"fmt"

	"github.com/momoko-go/momoko/internal/pgarray"
)

// Array is a json[] or jsonb[] value. A nil Array is SQL NULL; an element
// that is not Valid is a NULL element. Multidimensional arrays are not
// supported.
type Array[T any] []JSON[T]

// Scan implements sql.Scanner for the array text format; nil gives a nil
// Array. On error a is left unchanged.
func (a *Array[T]) Scan(src any) error {
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
	parsed := Array[T]{}
	err := pgarray.Parse(s, func(text string, null bool) error {
		var elem JSON[T]
		if !null {
			if err := elem.Scan(text); err != nil {
				return fmt.Errorf("jsonb: array element %d: %w", len(parsed)+1, err)
			}
		}
		parsed = append(parsed, elem)
		return nil
	})
	if se, ok := err.(*pgarray.SyntaxError); ok {
		return &SyntaxError{Pos: se.Pos, Msg: se.Msg}
	}
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// Value implements driver.Valuer: a nil Array is NULL, anything else is its
// array literal.
func (a Array[T]) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	b := append(make([]byte, 0, 32*len(a)+2), '{')
	for i, elem := range a {
		if i > 0 {
			b = append(b, ',')
		}
		if !elem.Valid {
			b = append(b, "NULL"...)
			continue
		}
		text, err := elem.encode()
		if err != nil {
			return nil, fmt.Errorf("jsonb: array element %d: %w", i+1, err)
		}
		b = pgarray.AppendElement(b, text)
	}
	return string(append(b, '}')), nil
}
