package hstore

import (
	"errors"
	"testing"
)

func equalArrays(a, b Array) bool {
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

func TestArrayScan(t *testing.T) {
	cases := []struct {
		in   string
		want Array
	}{
		{`{}`, Array{}},
		{` { } `, Array{}},
		{`{NULL}`, Array{nil}},
		{`{null,""}`, Array{nil, Hstore{}}},
		{`{"\"a\"=>\"1\"","\"b\"=>NULL"}`, Array{{"a": Text("1")}, {"b": nil}}},
		{`{ "a=>1" , "b=>\"x\\\\y\"" }`, Array{{"a": Text("1")}, {"b": Text(`x\y`)}}},
		{`{a=>1,b=>2}`, Array{{"a": Text("1")}, {"b": Text("2")}}},
		{`{a=>1  ,  b=>2 }`, Array{{"a": Text("1")}, {"b": Text("2")}}},
		{`{a=>\"x\ y\"}`, Array{{"a": Text("x y")}}},
		{`{"NULL"}`, nil}, // a quoted NULL is the text NULL, which is not hstore
		{`[0:1]={"a=>1","b=>2"}`, Array{{"a": Text("1")}, {"b": Text("2")}}},
		{`{\NULL=>1}`, Array{{"NULL": Text("1")}}},
	}
	for _, c := range cases {
		var got Array
		err := got.Scan(c.in)
		if c.want == nil {
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("Scan(%q) = %v, %v; want ErrSyntax", c.in, got, err)
			}
			continue
		}
		if err != nil || !equalArrays(got, c.want) {
			t.Errorf("Scan(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestArrayScanErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `}`, `{a=>1`, `{a=>1,}`, `{,}`, `{"a=>1" x}`, `{{"a=>1"}}`, `{a"=>1"}`,
		`{"a=>1"} x`, `[1:2]{}`, `[x]={}`, `{"a=>1`, `{a=>1\`, "{\"a=>1\x00\"}", "{a=>\x00}",
		`{"a=>"}`, `{"a"}`,
	} {
		a := Array{{"keep": nil}}
		if err := a.Scan(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Scan(%q) = %v; want ErrSyntax", in, err)
		}
		if len(a) != 1 || !equal(a[0], Hstore{"keep": nil}) {
			t.Errorf("failed Scan(%q) changed the destination", in)
		}
	}
	var a Array
	if err := a.Scan(1.5); !errors.Is(err, ErrUnsupportedSource) {
		t.Errorf("Scan(1.5) = %v, want ErrUnsupportedSource", err)
	}
	a = Array{}
	if err := a.Scan(nil); err != nil || a != nil {
		t.Errorf("Scan(nil) = %v, %v; want a nil Array", a, err)
	}
}

func TestArrayValue(t *testing.T) {
	cases := []struct {
		in   Array
		want any
	}{
		{nil, nil},
		{Array{}, `{}`},
		{Array{nil, {}}, `{NULL,""}`},
		{Array{{"a": Text(`"q"`), "b": nil}}, `{"\"a\"=>\"\\\"q\\\"\", \"b\"=>NULL"}`},
	}
	for _, c := range cases {
		got, err := c.in.Value()
		if err != nil || got != c.want {
			t.Errorf("%v.Value() = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	if _, err := (Array{{"\x00": nil}}).Value(); !errors.Is(err, ErrNULByte) {
		t.Errorf("Value with a NUL key = %v, want ErrNULByte", err)
	}
	in := Array{{"a": Text(`\`)}, nil, {}, {`{"}`: Text(",")}}
	v, err := in.Value()
	if err != nil {
		t.Fatal(err)
	}
	var out Array
	if err := out.Scan([]byte(v.(string))); err != nil || !equalArrays(in, out) {
		t.Fatalf("round trip through %q = %v, %v", v, out, err)
	}
}
