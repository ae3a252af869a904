package hstore_test

import (
	"fmt"

	"github.com/momoko-go/momoko/hstore"
)

func ExampleHstore_Scan() {
	var h hstore.Hstore
	// What a driver hands Scan for SELECT 'a=>1, "b c"=>NULL'::hstore.
	if err := h.Scan([]byte(`"a"=>"1", "b c"=>NULL`)); err != nil {
		panic(err)
	}
	fmt.Println(*h["a"], h["b c"] == nil, len(h))
	// Output: 1 true 2
}

func ExampleHstore_Value() {
	v, _ := hstore.Hstore{"quote": hstore.Text(`say "hi"`), "gone": nil}.Value()
	fmt.Println(v)
	null, _ := hstore.Hstore(nil).Value()
	fmt.Println(null == nil)
	// Output:
	// "gone"=>NULL, "quote"=>"say \"hi\""
	// true
}

func ExampleArray() {
	var a hstore.Array
	if err := a.Scan(`{"\"a\"=>\"1\"",NULL,""}`); err != nil {
		panic(err)
	}
	fmt.Println(len(a), *a[0]["a"], a[1] == nil, len(a[2]))
	v, _ := a.Value()
	fmt.Println(v)
	// Output:
	// 3 1 true 0
	// {"\"a\"=>\"1\"",NULL,""}
}
