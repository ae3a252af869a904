package hstore

import (
	"errors"
	"strings"
	"testing"
)

var parseSeeds = []string{
	``, `"a"=>"1", "b"=>NULL`, `a=>1,b=>2,`, ` a => b `, `"q\"uote"=>"back\\slash"`, `a\=b=>c\,d`,
	`\NULL=>\NULL`, `a=>,`, `,a=>b`, `a"b=>c"d`, `a=>1,a=>2`, `""=>""`, `"ключ"=>"✓"`, `a=>`, `"a`,
	`a=>b\`, "a=>b\x00", `a = > b`, `=>`, `"a"=>"b" "c"=>"d"`,
}

// FuzzParse checks that Parse never panics, fails only with a
// *SyntaxError, and that whatever it accepts survives Value and Parse.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): %v is not a *SyntaxError inside the text", s, err)
			}
			return
		}
		v, err := h.Value()
		if err != nil {
			t.Fatalf("Value of Parse(%q) = %v: %v", s, dump(h), err)
		}
		again, err := Parse(v.(string))
		if err != nil || !equal(h, again) {
			t.Fatalf("Parse(%q) = %v, through %q = %v, %v", s, dump(h), v, dump(again), err)
		}
	})
}

// FuzzRoundTrip checks Scan(Value(h)) == h for arbitrary keys and values.
func FuzzRoundTrip(f *testing.F) {
	f.Add("a", "1", false, "b", "")
	f.Add("", "", true, `"\`, `\"`)
	f.Add("a=>b", "c, d", false, " ", "NULL")
	f.Add("null", "NULL", false, "{}", `{"a":1}`)
	f.Fuzz(func(t *testing.T, k1, v1 string, null1 bool, k2, v2 string) {
		h := fuzzHstore(k1, v1, null1, k2, v2)
		v, err := h.Value()
		if hasNUL(h) {
			if !errors.Is(err, ErrNULByte) {
				t.Fatalf("%v.Value() = %q, %v; want ErrNULByte", dump(h), v, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%v.Value(): %v", dump(h), err)
		}
		var got Hstore
		if err := got.Scan([]byte(v.(string))); err != nil || !equal(h, got) {
			t.Fatalf("%v through %q = %v, %v", dump(h), v, dump(got), err)
		}
		a := Array{h, nil, {}}
		av, err := a.Value()
		if err != nil {
			t.Fatalf("Array.Value(): %v", err)
		}
		var gotArray Array
		if err := gotArray.Scan(av); err != nil || !equalArrays(a, gotArray) {
			t.Fatalf("%v through %q = %v, %v", a, av, gotArray, err)
		}
	})
}

// FuzzArrayParse checks that array Scan never panics, fails only with
// ErrSyntax, and that whatever it accepts survives Value and Scan.
func FuzzArrayParse(f *testing.F) {
	for _, s := range []string{`{}`, `{NULL,""}`, `{"\"a\"=>\"1\""}`, `{a=>1 , b=>2}`, `[0:1]={"a=>1","b=>2"}`, `{{}}`, `{"a" x}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a Array
		if err := a.Scan(s); err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Scan(%q): %v does not match ErrSyntax", s, err)
			}
			return
		}
		v, err := a.Value()
		if err != nil {
			t.Fatalf("Value of Scan(%q) = %v: %v", s, a, err)
		}
		var again Array
		if err := again.Scan(v); err != nil || !equalArrays(a, again) {
			t.Fatalf("Scan(%q) = %v, through %q = %v, %v", s, a, v, again, err)
		}
	})
}

func hasNUL(h Hstore) bool {
	for k, v := range h {
		if strings.IndexByte(k, 0) >= 0 || (v != nil && strings.IndexByte(*v, 0) >= 0) {
			return true
		}
	}
	return false
}

// fuzzHstore builds an Hstore of up to two pairs from fuzz arguments.
func fuzzHstore(k1, v1 string, null1 bool, k2, v2 string) Hstore {
	h := Hstore{k1: Text(v1)}
	if null1 {
		h[k1] = nil
	}
	if _, dup := h[k2]; !dup {
		h[k2] = Text(v2)
	}
	return h
}
