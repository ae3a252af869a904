package sqltext

import (
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var errNUL = errors.New("text cannot contain a NUL byte")

// literal renders v as a PostgreSQL literal that the server reads back as
// the value a parameter would have carried.
func literal(v any, scs bool) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case driver.Valuer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "NULL", nil
		}
		dv, err := x.Value()
		if err != nil {
			return "", err
		}
		if _, again := dv.(driver.Valuer); again {
			return "", fmt.Errorf("%T.Value returned another Valuer", v)
		}
		return literal(dv, scs)
	case string:
		return quoteString(x, scs)
	case []byte:
		if x == nil {
			return "NULL", nil
		}
		return quoteBytes(x, scs) + "::bytea", nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return formatFloat(x, 64), nil
	case float32:
		return formatFloat(float64(x), 32), nil
	case time.Time:
		return formatTime(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return signed(strconv.FormatInt(rv.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.String:
		return quoteString(rv.String(), scs)
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Float32, reflect.Float64:
		return formatFloat(rv.Float(), rv.Type().Bits()), nil
	case reflect.Pointer:
		if rv.IsNil() {
			return "NULL", nil
		}
		return literal(rv.Elem().Interface(), scs)
	case reflect.Slice, reflect.Array:
		return arrayLiteral(rv, scs)
	}
	return "", fmt.Errorf("unsupported type %T", v)
}

// signed keeps a negative number from fusing with a preceding minus sign
// into a "--" comment.
func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")"
	}
	return s
}

// formatFloat quotes the number: a bare -0 would be the integer 0.
func formatFloat(f float64, bits int) string {
	cast := "::float8"
	if bits == 32 {
		cast = "::float4"
	}
	switch {
	case math.IsNaN(f):
		return "'NaN'" + cast
	case math.IsInf(f, 1):
		return "'Infinity'" + cast
	case math.IsInf(f, -1):
		return "'-Infinity'" + cast
	}
	return "'" + strconv.FormatFloat(f, 'g', -1, bits) + "'" + cast
}

// formatTime renders t as timestamptz with the microsecond precision
// PostgreSQL keeps, truncated as pgx truncates it.
func formatTime(t time.Time) (string, error) {
	u := t.UTC()
	if u.Year() < 1 || u.Year() > 9999 {
		return "", fmt.Errorf("time %v is outside the years 1-9999", t)
	}
	return "'" + u.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz", nil
}

func quoteString(s string, scs bool) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errNUL
	}
	quoted := strings.ReplaceAll(s, "'", "''")
	if scs || !strings.Contains(s, `\`) {
		return "'" + quoted + "'", nil
	}
	return "E'" + strings.ReplaceAll(quoted, `\`, `\\`) + "'", nil
}

func quoteBytes(b []byte, scs bool) string {
	if scs {
		return `'\x` + hex.EncodeToString(b) + "'"
	}
	return `E'\\x` + hex.EncodeToString(b) + "'"
}

// arrayTypes are the casts that give array literals the type pgx sends
// for the Go slice; an empty ARRAY[] needs one to be valid at all.
var arrayTypes = map[reflect.Kind]string{
	reflect.String: "text[]", reflect.Bool: "bool[]",
	reflect.Int: "int8[]", reflect.Int8: "int2[]", reflect.Int16: "int2[]", reflect.Int32: "int4[]", reflect.Int64: "int8[]",
	reflect.Uint8: "int2[]", reflect.Uint16: "int4[]", reflect.Uint32: "int8[]",
	reflect.Float32: "float4[]", reflect.Float64: "float8[]",
}

var timeType = reflect.TypeFor[time.Time]()

func arrayLiteral(rv reflect.Value, scs bool) (string, error) {
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return "NULL", nil
	}
	elem := rv.Type().Elem()
	cast, ok := arrayTypes[elem.Kind()]
	switch {
	case elem == timeType:
		cast, ok = "timestamptz[]", true
	case elem.Kind() == reflect.Slice && elem.Elem().Kind() == reflect.Uint8:
		cast, ok = "bytea[]", true
	case elem.Kind() == reflect.Interface:
		cast, ok = "", true
	}
	if !ok {
		return "", fmt.Errorf("unsupported array element type %s", elem)
	}
	if rv.Len() == 0 {
		if cast == "" {
			return "", errors.New("the type of an empty []any cannot be known")
		}
		return "'{}'::" + cast, nil
	}
	parts := make([]string, rv.Len())
	for i := range parts {
		lit, err := literal(rv.Index(i).Interface(), scs)
		if err != nil {
			return "", fmt.Errorf("element %d: %w", i, err)
		}
		parts[i] = lit
	}
	out := "ARRAY[" + strings.Join(parts, ",") + "]"
	if cast != "" {
		out += "::" + cast
	}
	return out, nil
}
