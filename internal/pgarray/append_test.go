package pgarray

import "testing"

func TestAppendElement(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, `""`},
		{`a`, `"a"`},
		{`NULL`, `"NULL"`},
		{`"`, `"\""`},
		{`\`, `"\\"`},
		{`a"b\c"`, `"a\"b\\c\""`},
		{`{ , }`, `"{ , }"`},
		{"ключ 🐘", `"ключ 🐘"`},
	}
	for _, c := range cases {
		if got := string(AppendElement([]byte("x"), c.in)); got != "x"+c.want {
			t.Errorf("AppendElement(%q) = %s, want x%s", c.in, got, c.want)
		}
		if got := string(AppendElement(nil, []byte(c.in))); got != c.want {
			t.Errorf("AppendElement([]byte(%q)) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestIsNULL(t *testing.T) {
	for s, want := range map[string]bool{
		"NULL": true, "null": true, "nUlL": true, "NUL": false, "NULLS": false, "": false, "ＮＵＬＬ": false,
	} {
		if IsNULL(s) != want {
			t.Errorf("IsNULL(%q) = %v", s, !want)
		}
	}
}
