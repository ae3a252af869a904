package hstore_test

import (
	"maps"
	"unicode/utf8"

	"github.com/momoko-go/momoko/hstore"
)

func equal(a, b hstore.Hstore) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return maps.EqualFunc(a, b, func(x, y *string) bool {
		return (x == nil && y == nil) || (x != nil && y != nil && *x == *y)
	})
}

func equalArrays(a, b hstore.Array) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func validUTF8(h hstore.Hstore) bool {
	for k, v := range h {
		if !utf8.ValidString(k) || (v != nil && !utf8.ValidString(*v)) {
			return false
		}
	}
	return true
}
