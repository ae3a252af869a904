package jsonb

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type profile struct {
	Name string   `json:"name"`
	Tags []string `json:"tags,omitempty"`
	Age  int      `json:"age,omitempty"`
}

func TestScan(t *testing.T) {
	var p JSON[profile]
	if err := p.Scan([]byte(`{"name":"Ada","tags":["x"]}`)); err != nil {
		t.Fatal(err)
	}
	if want := Valid(profile{Name: "Ada", Tags: []string{"x"}}); !reflect.DeepEqual(p, want) {
		t.Errorf("struct: got %+v, want %+v", p, want)
	}
	// A reused destination keeps nothing from the previous row.
	if err := p.Scan(`{"age":3}`); err != nil || !reflect.DeepEqual(p, Valid(profile{Age: 3})) {
		t.Errorf("rescan: got %+v, %v", p, err)
	}
	if err := p.Scan(nil); err != nil || p.Valid || !reflect.DeepEqual(p.V, profile{}) {
		t.Errorf("NULL: got %+v, %v", p, err)
	}

	var m JSON[map[string]any]
	if err := m.Scan(`{"a":1,"b":[true,null]}`); err != nil || !m.Valid || m.V["a"] != 1.0 || len(m.V["b"].([]any)) != 2 {
		t.Errorf("map: got %+v, %v", m, err)
	}
	if err := m.Scan(`null`); err != nil || !m.Valid || m.V != nil {
		t.Errorf("JSON null: got %+v, %v; want Valid with a nil map", m, err)
	}

	var s JSON[[]int]
	if err := s.Scan(`[1, 2, 3]`); err != nil || !reflect.DeepEqual(s.V, []int{1, 2, 3}) {
		t.Errorf("slice: got %+v, %v", s, err)
	}

	var raw JSON[json.RawMessage]
	src := []byte(`{"keep": "as is"}`)
	if err := raw.Scan(src); err != nil || string(raw.V) != `{"keep": "as is"}` {
		t.Errorf("raw: got %s, %v", raw.V, err)
	}
	src[2] = 'X' // the driver reuses its buffer
	if string(raw.V) != `{"keep": "as is"}` {
		t.Errorf("raw message aliases the Scan source: %s", raw.V)
	}
}

func TestScanErrorsKeepDestination(t *testing.T) {
	orig := Valid(profile{Name: "keep"})
	p := orig
	if err := p.Scan(42); !errors.Is(err, ErrUnsupportedSource) {
		t.Errorf("Scan(42) = %v, want ErrUnsupportedSource", err)
	}
	var syntaxErr *json.SyntaxError
	if err := p.Scan(`{"name":`); !errors.As(err, &syntaxErr) {
		t.Errorf("bad JSON: %v, want a *json.SyntaxError", err)
	}
	var typeErr *json.UnmarshalTypeError
	if err := p.Scan(`{"name":1}`); !errors.As(err, &typeErr) {
		t.Errorf("wrong type: %v, want a *json.UnmarshalTypeError", err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Errorf("a failed Scan changed the destination to %+v", p)
	}
}

func TestValue(t *testing.T) {
	cases := []struct {
		in   driver.Valuer
		want any
	}{
		{JSON[profile]{V: profile{Name: "ignored"}}, nil},
		{Valid(profile{Name: "Ada"}), `{"name":"Ada"}`},
		{Valid(map[string]int(nil)), `null`},
		{Valid([]string{"a", `"q"`}), `["a","\"q\""]`},
		{Valid(json.RawMessage(`{"x": 1}`)), `{"x":1}`},
	}
	for _, c := range cases {
		got, err := c.in.Value()
		if err != nil || got != c.want {
			t.Errorf("Value() = %#v, %v; want %#v", got, err, c.want)
		}
	}
	var unsupported *json.UnsupportedTypeError
	if _, err := Valid(make(chan int)).Value(); !errors.As(err, &unsupported) {
		t.Errorf("Value of a chan = %v, want a *json.UnsupportedTypeError", err)
	}
}

func TestSetCodec(t *testing.T) {
	t.Cleanup(func() { SetCodec(Codec{}) })
	var calls []string
	SetCodec(Codec{
		Marshal: func(v any) ([]byte, error) {
			calls = append(calls, "marshal")
			return json.Marshal(v)
		},
		Unmarshal: func(data []byte, v any) error {
			calls = append(calls, "unmarshal")
			return json.Unmarshal([]byte(strings.ToLower(string(data))), v)
		},
	})
	var m JSON[map[string]string]
	if err := m.Scan(`{"A":"B"}`); err != nil || m.V["a"] != "b" {
		t.Errorf("Scan with the custom codec: %+v, %v", m, err)
	}
	if _, err := m.Value(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"unmarshal", "marshal"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("codec calls %v, want %v", calls, want)
	}
	SetCodec(Codec{})
	if err := m.Scan(`{"A":"B"}`); err != nil || m.V["A"] != "B" {
		t.Errorf("Scan after resetting the codec: %+v, %v", m, err)
	}
}

func TestSetCodecConcurrently(t *testing.T) {
	t.Cleanup(func() { SetCodec(Codec{}) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			SetCodec(Codec{Unmarshal: json.Unmarshal})
		}
	}()
	for range 100 {
		var j JSON[int]
		if err := j.Scan("7"); err != nil || j.V != 7 {
			t.Fatalf("Scan: %+v, %v", j, err)
		}
	}
	<-done
}
