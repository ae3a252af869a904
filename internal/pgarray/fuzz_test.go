package pgarray

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, fails only with a *SyntaxError
// inside the literal, and that the elements it reads survive being written
// with AppendElement and read again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{NULL,""}`, `{"\"a\"=>\"1\""}`, `{a=>1 , b=>2}`, `[0:1]={"a=>1","b=>2"}`, `{{}}`, `{"a" x}`,
		`{NULL,"null"}`, `{"{\"a\": 1}",2}`, `{ 1 , true }`, `[0:0]={"[]"}`, `{{1}}`, `{"1" x}`,
		`{a\ ,\NULL}`, "{\"\\\x00\"}", `{"a`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		elems, err := parseAll(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): %v is not a *SyntaxError inside the literal", s, err)
			}
			return
		}
		b := []byte{'{'}
		for i, e := range elems {
			if i > 0 {
				b = append(b, ',')
			}
			if e.Null {
				// Any spelling reads as NULL; compare the kind, not the text.
				elems[i].Text = "NULL"
				b = append(b, "NULL"...)
			} else {
				b = AppendElement(b, e.Text)
			}
		}
		b = append(b, '}')
		again, err := parseAll(string(b))
		if err != nil || !reflect.DeepEqual(elems, again) {
			t.Fatalf("Parse(%q) = %+v, through %q = %+v, %v", s, elems, b, again, err)
		}
	})
}
