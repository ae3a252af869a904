package driver

import (
	"errors"
	"strings"
)

// splitKeywordValue lists the settings of a libpq keyword/value string with
// libpq's quoting rules: a value is a run of non-space bytes or a
// single-quoted string, and a backslash takes the next byte literally.
func splitKeywordValue(dsn string) ([]dsnSetting, error) {
	var out []dsnSetting
	i := skipSpace(dsn, 0)
	for i < len(dsn) {
		start := i
		eq := strings.IndexByte(dsn[i:], '=')
		if eq < 0 {
			return nil, errors.New("keyword without '='")
		}
		key := strings.TrimSpace(dsn[i : i+eq])
		if key == "" || strings.ContainsAny(key, " \t\n\r\v\f") {
			return nil, errors.New("invalid keyword")
		}
		i = skipSpace(dsn, i+eq+1)
		var raw strings.Builder
		if i < len(dsn) && dsn[i] == '\'' {
			i++
			for {
				if i >= len(dsn) {
					return nil, errors.New("unterminated quoted string")
				}
				c := dsn[i]
				if c == '\'' {
					i++
					break
				}
				if c == '\\' {
					i++
					if i >= len(dsn) {
						return nil, errors.New("unterminated quoted string")
					}
					c = dsn[i]
				}
				raw.WriteByte(c)
				i++
			}
		} else {
			for i < len(dsn) && !isSpace(dsn[i]) {
				if dsn[i] == '\\' {
					i++
					if i >= len(dsn) {
						break
					}
				}
				raw.WriteByte(dsn[i])
				i++
			}
		}
		out = append(out, dsnSetting{key: key, value: raw.String(), start: start, end: i})
		i = skipSpace(dsn, i)
	}
	return out, nil
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}
