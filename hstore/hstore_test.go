package hstore

import (
	"errors"
	"maps"
	"testing"
)

// equal compares two Hstores, telling nil from empty and NULL from "".
func equal(a, b Hstore) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return maps.EqualFunc(a, b, func(x, y *string) bool {
		return (x == nil && y == nil) || (x != nil && y != nil && *x == *y)
	})
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Hstore
	}{
		{``, Hstore{}},
		{`   `, Hstore{}},
		{`"a"=>"1"`, Hstore{"a": Text("1")}},
		{`"a"=>"1", "b"=>NULL`, Hstore{"a": Text("1"), "b": nil}},
		{`a=>1,b=>2`, Hstore{"a": Text("1"), "b": Text("2")}},
		{` a => 1 , b => 2 , `, Hstore{"a": Text("1"), "b": Text("2")}},
		{"a=>1\t,\n\r\fb=>2", Hstore{"a": Text("1"), "b": Text("2")}},
		{`""=>""`, Hstore{"": Text("")}},
		{`"k"=>null, "l"=>Null, "m"=>"NULL", "n"=>nULL`, Hstore{"k": nil, "l": nil, "m": Text("NULL"), "n": nil}},
		{`"q\"uote"=>"back\\slash"`, Hstore{`q"uote`: Text(`back\slash`)}},
		{`"a=>b"=>"c, d"`, Hstore{"a=>b": Text("c, d")}},
		{`a\=b=>c\,d`, Hstore{"a=b": Text("c,d")}},
		{`a\ b=>c\ d`, Hstore{"a b": Text("c d")}},
		{`"\a\b"=>"\n"`, Hstore{"ab": Text("n")}},
		{`\NULL=>\NULL`, Hstore{"NULL": nil}},
		{`NULL=>"x"`, Hstore{"NULL": Text("x")}},
		{`a=>b=c`, Hstore{"a": Text("b=c")}},
		{`a=>=>`, Hstore{"a": Text("=>")}},
		{`a=>,`, Hstore{"a": Text(",")}},
		{`a"b=>c"d`, Hstore{`a"b`: Text(`c"d`)}},
		{`,a=>b`, Hstore{",a": Text("b")}},
		{`a=>1,a=>2`, Hstore{"a": Text("1")}},
		{`"ключ"=>"значение ✓"`, Hstore{"ключ": Text("значение ✓")}},
		{`a=>b,`, Hstore{"a": Text("b")}},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !equal(got, c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.in, dump(got), dump(c.want))
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in  string
		pos int
	}{
		{`a`, 1},
		{`a=`, 2},
		{`a=>`, 3},
		{`a=> `, 4},
		{`a = > b`, 3},
		{`a b=>c`, 2},
		{`=>a`, 0},
		{`"a=>b`, 5},
		{`"a"=>"b`, 7},
		{`a=>"b" c`, 7},
		{`a=>b\`, 5},
		{`"a\`, 3},
		{`a=>b,,`, 6},
		{"a=>b\x00", 4},
		{"\"a\x00\"=>b", 2},
		{`a=>b c=>d`, 5},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, %v; want a *SyntaxError", c.in, dump(got), err)
			continue
		}
		if se.Pos != c.pos {
			t.Errorf("Parse(%q): error at %d, want %d (%v)", c.in, se.Pos, c.pos, err)
		}
	}
}

func TestScanSources(t *testing.T) {
	want := Hstore{"a": Text("1")}
	for _, src := range []any{`"a"=>"1"`, []byte(`"a"=>"1"`)} {
		var h Hstore
		if err := h.Scan(src); err != nil || !equal(h, want) {
			t.Errorf("Scan(%#v) = %v, %v", src, dump(h), err)
		}
	}
	h := Hstore{"old": nil}
	if err := h.Scan(nil); err != nil || h != nil {
		t.Errorf("Scan(nil) = %v, %v; want a nil Hstore", dump(h), err)
	}
	h = Hstore{"old": nil}
	if err := h.Scan(""); err != nil || h == nil || len(h) != 0 {
		t.Errorf(`Scan("") = %v, %v; want an empty, non-nil Hstore`, dump(h), err)
	}
}

func TestScanErrorsKeepDestination(t *testing.T) {
	orig := Hstore{"keep": Text("me")}
	h := orig
	if err := h.Scan(42); !errors.Is(err, ErrUnsupportedSource) {
		t.Errorf("Scan(42) = %v, want ErrUnsupportedSource", err)
	}
	if err := h.Scan(`a=>`); !errors.Is(err, ErrSyntax) {
		t.Errorf("Scan(`a=>`) = %v, want ErrSyntax", err)
	}
	if !equal(h, orig) {
		t.Errorf("a failed Scan changed the destination to %v", dump(h))
	}
}

func TestValue(t *testing.T) {
	cases := []struct {
		in   Hstore
		want any
	}{
		{nil, nil},
		{Hstore{}, ""},
		{Hstore{"b": nil, "a": Text("1")}, `"a"=>"1", "b"=>NULL`},
		{Hstore{`q"uo\te`: Text(`x"\y`)}, `"q\"uo\\te"=>"x\"\\y"`},
		{Hstore{"": Text(""), "NULL": Text("NULL")}, `""=>"", "NULL"=>"NULL"`},
	}
	for _, c := range cases {
		got, err := c.in.Value()
		if err != nil || got != c.want {
			t.Errorf("%v.Value() = %#v, %v; want %#v", dump(c.in), got, err, c.want)
		}
	}
	for _, h := range []Hstore{{"a\x00": nil}, {"a": Text("\x00")}} {
		if v, err := h.Value(); !errors.Is(err, ErrNULByte) {
			t.Errorf("%v.Value() = %#v, %v; want ErrNULByte", dump(h), v, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	in := Hstore{
		"": Text(""), "null": nil, "NULL": Text("NULL"), `"`: Text(`\`), "a=>b": Text("c,d"),
		" spaced ": Text("\t\n"), "ключ": Text("✓"), "=": Text(">"), "{}": Text(`{"x":1}`),
	}
	v, err := in.Value()
	if err != nil {
		t.Fatal(err)
	}
	var out Hstore
	if err := out.Scan(v); err != nil {
		t.Fatalf("Scan(%q): %v", v, err)
	}
	if !equal(in, out) {
		t.Fatalf("round trip through %q: got %v, want %v", v, dump(out), dump(in))
	}
}
