package jsonb

import (
	"database/sql/driver"
	"errors"
	"fmt"
)

// JSON is a json or jsonb value decoded into V. Valid is false for SQL NULL
// (see the package documentation).
type JSON[T any] struct {
	V     T
	Valid bool
}

// ErrUnsupportedSource is returned by Scan for a source that is neither
// string, []byte nor nil.
var ErrUnsupportedSource = errors.New("jsonb: unsupported Scan source")

// Valid returns a JSON holding v that is not NULL.
func Valid[T any](v T) JSON[T] { return JSON[T]{V: v, Valid: true} }

// Scan implements sql.Scanner: nil is NULL, a string or []byte is decoded
// with the package codec. On error j is left unchanged.
func (j *JSON[T]) Scan(src any) error {
	var data []byte
	switch src := src.(type) {
	case nil:
		*j = JSON[T]{}
		return nil
	case []byte:
		data = src
	case string:
		data = []byte(src)
	default:
		return fmt.Errorf("%w: %T", ErrUnsupportedSource, src)
	}
	var v T
	if err := CurrentCodec().Unmarshal(data, &v); err != nil {
		return fmt.Errorf("jsonb: decoding into %T: %w", v, err)
	}
	*j = JSON[T]{V: v, Valid: true}
	return nil
}

// Value implements driver.Valuer: NULL when not Valid, else V encoded with
// the package codec, as a string so any driver sends it as text.
func (j JSON[T]) Value() (driver.Value, error) {
	if !j.Valid {
		return nil, nil
	}
	b, err := j.encode()
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (j JSON[T]) encode() ([]byte, error) {
	b, err := CurrentCodec().Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("jsonb: encoding %T: %w", j.V, err)
	}
	return b, nil
}
