package pool

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

var errNilDest = errors.New("destination is a nil pointer")

// assign stores the driver value src in dest following the rules of
// (*sql.Rows).Scan, so a buffered Cursor scans like live rows do.
func assign(dest any, src any) error {
	if dest == nil {
		return errNilDest
	}
	if rv := reflect.ValueOf(dest); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return errNilDest
	}
	if s, ok := dest.(sql.Scanner); ok {
		return s.Scan(cloneBytes(src))
	}
	switch d := dest.(type) {
	case *any:
		*d = cloneBytes(src)
		return nil
	case *string:
		switch s := src.(type) {
		case string:
			*d = s
			return nil
		case []byte:
			*d = string(s)
			return nil
		case time.Time:
			*d = s.Format(time.RFC3339Nano)
			return nil
		}
	case *[]byte:
		if assignBytes(d, src) {
			return nil
		}
	case *sql.RawBytes:
		if assignBytes(d, src) {
			return nil
		}
	case *time.Time:
		if t, ok := src.(time.Time); ok {
			*d = t
			return nil
		}
	case *bool:
		b, err := driver.Bool.ConvertValue(src)
		if err != nil {
			return fmt.Errorf("converting %T to bool: %w", src, err)
		}
		*d = b.(bool)
		return nil
	}
	return assignReflect(dest, src)
}

// assignBytes stores a copy of a NULL, []byte or string src in d.
func assignBytes[B ~[]byte](d *B, src any) bool {
	switch s := src.(type) {
	case nil:
		*d = nil
	case []byte:
		*d = append(B(nil), s...)
	case string:
		*d = B(s)
	default:
		return false
	}
	return true
}

func assignReflect(dest, src any) error {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return errNilDest
	}
	dv = dv.Elem()
	if src == nil {
		if dv.Kind() == reflect.Pointer {
			dv.SetZero()
			return nil
		}
		return fmt.Errorf("converting NULL to %s is unsupported", dv.Type())
	}
	sv := reflect.ValueOf(src)
	if sv.Type().AssignableTo(dv.Type()) {
		dv.Set(reflect.ValueOf(cloneBytes(src)))
		return nil
	}
	if dv.Kind() == reflect.Pointer {
		elem := reflect.New(dv.Type().Elem())
		if err := assign(elem.Interface(), src); err != nil {
			return err
		}
		dv.Set(elem)
		return nil
	}
	text, ok := asText(src)
	if !ok {
		return fmt.Errorf("unsupported Scan, storing driver.Value type %T into type %s", src, dv.Type())
	}
	switch dv.Kind() {
	case reflect.String:
		dv.SetString(text)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, dv.Type().Bits())
		if err != nil {
			return fmt.Errorf("converting driver.Value type %T (%q) to a %s: %w", src, text, dv.Kind(), numError(err))
		}
		dv.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, dv.Type().Bits())
		if err != nil {
			return fmt.Errorf("converting driver.Value type %T (%q) to a %s: %w", src, text, dv.Kind(), numError(err))
		}
		dv.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(text, dv.Type().Bits())
		if err != nil {
			return fmt.Errorf("converting driver.Value type %T (%q) to a %s: %w", src, text, dv.Kind(), numError(err))
		}
		dv.SetFloat(n)
		return nil
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("converting driver.Value type %T (%q) to a bool: %w", src, text, numError(err))
		}
		dv.SetBool(b)
		return nil
	}
	return fmt.Errorf("unsupported Scan, storing driver.Value type %T into type %s", src, dv.Type())
}

// asText renders the scalar driver values as database/sql does before
// parsing them into numbers.
func asText(src any) (string, bool) {
	switch s := src.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	case int64:
		return strconv.FormatInt(s, 10), true
	case float64:
		return strconv.FormatFloat(s, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(s), true
	case time.Time:
		return s.Format(time.RFC3339Nano), true
	}
	return "", false
}

func numError(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

// cloneBytes copies a []byte so that a caller's value never aliases the
// cursor's buffer.
func cloneBytes(v any) any {
	if b, ok := v.([]byte); ok {
		return append([]byte(nil), b...)
	}
	return v
}
