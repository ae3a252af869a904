package pgarray

import (
	"errors"
	"reflect"
	"testing"
)

// element is what Parse reports for one element.
type element struct {
	Text string
	Null bool
}

func parseAll(s string) ([]element, error) {
	elems := []element{}
	err := Parse(s, func(text string, null bool) error {
		elems = append(elems, element{text, null})
		return nil
	})
	return elems, err
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want []element
	}{
		{`{}`, []element{}},
		{" \t{ \n} \r", []element{}},
		{`{a}`, []element{{"a", false}}},
		{`{NULL,null,NuLl,"NULL",\NULL,NULLx}`, []element{
			{"NULL", true}, {"null", true}, {"NuLl", true}, {"NULL", false}, {"NULL", false}, {"NULLx", false},
		}},
		{`{ a b , "c d" }`, []element{{"a b", false}, {"c d", false}}},
		{`{a\ ,b\\,c\"d,\,}`, []element{{"a ", false}, {`b\`, false}, {`c"d`, false}, {",", false}}},
		{`{"q\"uote","back\\slash","\a",""}`, []element{{`q"uote`, false}, {`back\slash`, false}, {"a", false}, {"", false}}},
		{`{"{}",",","}"}`, []element{{"{}", false}, {",", false}, {"}", false}}},
		{`[0:1]={a,b}`, []element{{"a", false}, {"b", false}}},
		{` [-1:+1] [ 2 : 3 ] = {a}`, []element{{"a", false}}},
		{`{ключ,"🐘"}`, []element{{"ключ", false}, {"🐘", false}}},
		{"{a\v}", []element{{"a", false}}},
	}
	for _, c := range cases {
		got, err := parseAll(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in string
		SyntaxError
	}{
		{``, SyntaxError{0, "array must start with '{'"}},
		{`a`, SyntaxError{0, "array must start with '{'"}},
		{`{`, SyntaxError{1, "unexpected end of text"}},
		{`{a`, SyntaxError{2, "unexpected end of text"}},
		{`{a,`, SyntaxError{3, "unexpected end of text"}},
		{`{a\`, SyntaxError{3, "unexpected end of text"}},
		{`{"a`, SyntaxError{3, "unexpected end of text"}},
		{`{"a\`, SyntaxError{4, "unexpected end of text"}},
		{`{"a"  `, SyntaxError{6, "unexpected end of text"}},
		{`{a,}`, SyntaxError{3, "empty element"}},
		{`{,}`, SyntaxError{1, "empty element"}},
		{`{{a}}`, SyntaxError{1, "multidimensional arrays are not supported"}},
		{`{a{}`, SyntaxError{2, `unexpected '{'`}},
		{`{a"b"}`, SyntaxError{2, `unexpected '"'`}},
		{`{"a" b}`, SyntaxError{5, `unexpected 'b'`}},
		{`{"a"✓}`, SyntaxError{4, `unexpected '✓'`}},
		{`{a} b`, SyntaxError{4, "junk after closing '}'"}},
		{`[1:2]{}`, SyntaxError{5, "dimensions must be followed by '='"}},
		{`[x]={}`, SyntaxError{0, "bad dimension decoration"}},
		{`[1:2`, SyntaxError{0, "bad dimension decoration"}},
		{"{a\x00}", SyntaxError{2, "NUL byte"}},
		{"{a\\\x00}", SyntaxError{3, "NUL byte"}},
		{"{\"a\x00\"}", SyntaxError{3, "NUL byte"}},
		{"{\"\\\x00\"}", SyntaxError{3, "NUL byte"}},
	}
	for _, c := range cases {
		_, err := parseAll(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) || *se != c.SyntaxError {
			t.Errorf("Parse(%q) = %v; want %v", c.in, err, &c.SyntaxError)
		}
	}
}

func TestParseStopsAtElementError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := Parse(`{a,b,c}`, func(text string, null bool) error {
		calls++
		if text == "b" {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Errorf("Parse = %v after %d calls; want the element's own error after 2", err, calls)
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	err := &SyntaxError{Pos: 3, Msg: "empty element"}
	if got, want := err.Error(), "array syntax error at position 3: empty element"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
