package jsonb

import (
	"encoding/json"
	"testing"
)

func BenchmarkScan(b *testing.B) {
	src := []byte(`{"name":"Ada","tags":["math","engines"],"age":36}`)
	b.Run("struct", func(b *testing.B) {
		b.ReportAllocs()
		var j JSON[profile]
		for b.Loop() {
			if err := j.Scan(src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		var j JSON[json.RawMessage]
		for b.Loop() {
			if err := j.Scan(src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("array", func(b *testing.B) {
		v, err := Array[profile]{Valid(profile{Name: "Ada"}), {}, Valid(profile{Name: "Bo", Tags: []string{"x"}})}.Value()
		if err != nil {
			b.Fatal(err)
		}
		arr := []byte(v.(string))
		b.ReportAllocs()
		var a Array[profile]
		for b.Loop() {
			if err := a.Scan(arr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkValue(b *testing.B) {
	j := Valid(profile{Name: "Ada", Tags: []string{"math", "engines"}, Age: 36})
	b.Run("struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := j.Value(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("array", func(b *testing.B) {
		a := Array[profile]{j, {}, j}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Value(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
