package hstore

import (
	"strconv"
	"testing"
)

func benchValues() map[string]Hstore {
	large := Hstore{}
	for i := range 100 {
		large["key"+strconv.Itoa(i)] = Text("value number " + strconv.Itoa(i))
	}
	large["quoted \"key\""] = Text(`back\slash`)
	large["null"] = nil
	return map[string]Hstore{
		"small": {"a": Text("1"), "b": Text("two"), "c": nil},
		"100":   large,
	}
}

func BenchmarkScan(b *testing.B) {
	for name, h := range benchValues() {
		v, err := h.Value()
		if err != nil {
			b.Fatal(err)
		}
		src := []byte(v.(string))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			var dst Hstore
			for b.Loop() {
				if err := dst.Scan(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValue(b *testing.B) {
	for name, h := range benchValues() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Value(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkArrayScan(b *testing.B) {
	h := benchValues()["small"]
	v, err := Array{h, h, nil, h}.Value()
	if err != nil {
		b.Fatal(err)
	}
	src := []byte(v.(string))
	b.ReportAllocs()
	var dst Array
	for b.Loop() {
		if err := dst.Scan(src); err != nil {
			b.Fatal(err)
		}
	}
}
