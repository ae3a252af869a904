package hstore

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// dump prints h deterministically, with NULL apart from "NULL".
func dump(h Hstore) string {
	if h == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(h)) {
		if i > 0 {
			b.WriteString(" ")
		}
		if v := h[k]; v == nil {
			fmt.Fprintf(&b, "%q:NULL", k)
		} else {
			fmt.Fprintf(&b, "%q:%q", k, *v)
		}
	}
	return b.String() + "}"
}
