package jsonb_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/momoko-go/momoko/jsonb"
)

type profile struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

func ExampleJSON_Scan() {
	var p jsonb.JSON[profile]
	// What a driver hands Scan for a json or jsonb column.
	if err := p.Scan([]byte(`{"name": "Ada", "tags": ["math"]}`)); err != nil {
		panic(err)
	}
	fmt.Println(p.Valid, p.V.Name, p.V.Tags)
	if err := p.Scan(nil); err != nil { // SQL NULL
		panic(err)
	}
	fmt.Println(p.Valid, p.V.Name == "")
	// Output:
	// true Ada [math]
	// false true
}

func ExampleJSON_Value() {
	v, _ := jsonb.Valid(profile{Name: "Ada"}).Value()
	fmt.Println(v)
	null, _ := jsonb.JSON[profile]{}.Value()
	fmt.Println(null == nil)
	// Output:
	// {"name":"Ada","tags":null}
	// true
}

func ExampleArray() {
	var a jsonb.Array[json.RawMessage]
	if err := a.Scan(`{"{\"a\": 1}",NULL,"null"}`); err != nil {
		panic(err)
	}
	fmt.Println(len(a), string(a[0].V), a[1].Valid, string(a[2].V))
	v, _ := a.Value()
	fmt.Println(v)
	// Output:
	// 3 {"a": 1} false null
	// {"{\"a\":1}",NULL,"null"}
}

func ExampleSetCodec() {
	// Momoko's loads: decode numbers as json.Number instead of float64.
	jsonb.SetCodec(jsonb.Codec{Unmarshal: func(data []byte, v any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		return d.Decode(v)
	}})
	defer jsonb.SetCodec(jsonb.Codec{})
	var j jsonb.JSON[any]
	if err := j.Scan(`12345678901234567890`); err != nil {
		panic(err)
	}
	fmt.Printf("%T %v\n", j.V, j.V)
	// Output: json.Number 12345678901234567890
}
