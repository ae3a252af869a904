package jsonb

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestArrayScan(t *testing.T) {
	cases := []struct {
		in   string
		want Array[any]
	}{
		{`{}`, Array[any]{}},
		{`{NULL,"null",null}`, Array[any]{{}, Valid[any](nil), {}}},
		{`{"{\"a\": 1}",2,"\"s\""}`, Array[any]{Valid[any](map[string]any{"a": 1.0}), Valid[any](2.0), Valid[any]("s")}},
		{` { 1 , true } `, Array[any]{Valid[any](1.0), Valid[any](true)}},
		{`[0:0]={"[]"}`, Array[any]{Valid[any]([]any{})}},
	}
	for _, c := range cases {
		var got Array[any]
		if err := got.Scan(c.in); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Scan(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	var nullArray = Array[any]{}
	if err := nullArray.Scan(nil); err != nil || nullArray != nil {
		t.Errorf("Scan(nil) = %#v, %v; want nil", nullArray, err)
	}
}

func TestArrayScanErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{1,}`, `{{1}}`, `{"1" x}`, `{1} x`, "{\"\x00\"}", `{"1`} {
		a := Array[int]{Valid(5)}
		if err := a.Scan(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Scan(%q) = %v, want ErrSyntax", in, err)
		}
		if !reflect.DeepEqual(a, Array[int]{Valid(5)}) {
			t.Errorf("failed Scan(%q) changed the destination", in)
		}
	}
	var a Array[int]
	var syntaxErr *json.SyntaxError
	if err := a.Scan(`{"1x"}`); !errors.As(err, &syntaxErr) {
		t.Errorf("bad JSON element: %v, want a *json.SyntaxError", err)
	}
	if err := a.Scan(3); !errors.Is(err, ErrUnsupportedSource) {
		t.Errorf("Scan(3) = %v, want ErrUnsupportedSource", err)
	}
}

func TestArrayValue(t *testing.T) {
	cases := []struct {
		in   Array[any]
		want any
	}{
		{nil, nil},
		{Array[any]{}, `{}`},
		{Array[any]{{}, Valid[any](nil)}, `{NULL,"null"}`},
		{Array[any]{Valid[any](map[string]string{"k": `"\`})}, `{"{\"k\":\"\\\"\\\\\"}"}`},
	}
	for _, c := range cases {
		got, err := c.in.Value()
		if err != nil || got != c.want {
			t.Errorf("%#v.Value() = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	if _, err := (Array[any]{Valid[any](func() {})}).Value(); err == nil {
		t.Error("Value of an array holding a func succeeded")
	}
}
