package jsonb

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzArrayParse checks that array Scan never panics, fails only with
// ErrSyntax or a JSON error, and that whatever it accepts survives Value and
// Scan.
func FuzzArrayParse(f *testing.F) {
	for _, s := range []string{`{}`, `{NULL,"null"}`, `{"{\"a\": 1}",2}`, `{ 1 , true }`, `[0:0]={"[]"}`, `{{1}}`, `{"1" x}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a Array[json.RawMessage]
		if err := a.Scan(s); err != nil {
			var syntaxErr *json.SyntaxError
			if !errors.Is(err, ErrSyntax) && !errors.As(err, &syntaxErr) {
				t.Fatalf("Scan(%q): unexpected error %v", s, err)
			}
			return
		}
		v, err := a.Value()
		if err != nil {
			t.Fatalf("Value of Scan(%q): %v", s, err)
		}
		var again Array[json.RawMessage]
		if err := again.Scan(v); err != nil || len(again) != len(a) {
			t.Fatalf("Scan(%q) = %v, through %q: %v, %v", s, a, v, again, err)
		}
		for i := range a {
			if a[i].Valid != again[i].Valid || (a[i].Valid && !jsonEqual(a[i].V, again[i].V)) {
				t.Fatalf("element %d: %s became %s (through %q)", i, a[i].V, again[i].V, v)
			}
		}
	})
}

// FuzzRoundTrip checks Scan(Value(x)) == x for structs and arrays of them.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Ada", "x", 3, false)
	f.Add(`"\`, "\u2028<>&", -1, true)
	f.Add("", "null", 0, false)
	f.Fuzz(func(t *testing.T, name, tag string, age int, null bool) {
		in := Valid(profile{Name: name, Tags: []string{tag}, Age: age})
		v, err := in.Value()
		if err != nil {
			t.Fatal(err)
		}
		var out JSON[profile]
		if err := out.Scan(v); err != nil {
			t.Fatalf("Scan(%q): %v", v, err)
		}
		// encoding/json replaces invalid UTF-8 with U+FFFD; compare with that.
		if want := marshalled(t, in.V); !reflect.DeepEqual(out.V, want) {
			t.Fatalf("%+v through %q = %+v", in.V, v, out.V)
		}
		arr := Array[profile]{in, {Valid: !null}}
		av, err := arr.Value()
		if err != nil {
			t.Fatal(err)
		}
		var arrOut Array[profile]
		if err := arrOut.Scan([]byte(av.(string))); err != nil || len(arrOut) != 2 || arrOut[1].Valid == null {
			t.Fatalf("%+v through %q = %+v, %v", arr, av, arrOut, err)
		}
	})
}

// marshalled is v after a trip through encoding/json.
func marshalled(t *testing.T, v profile) profile {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out profile
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
