package jsonb

import (
	"encoding/json"
	"sync/atomic"
)

// Codec is a pair of JSON functions with encoding/json's signatures.
type Codec struct {
	// Marshal encodes a value. Default json.Marshal.
	Marshal func(v any) ([]byte, error)
	// Unmarshal decodes data into the value v points to. It must not keep
	// data, which the driver may reuse. Default json.Unmarshal.
	Unmarshal func(data []byte, v any) error
}

var codec atomic.Pointer[Codec]

// SetCodec sets the functions every JSON and Array uses from now on; nil
// fields mean encoding/json. It is safe to call while other goroutines scan.
func SetCodec(c Codec) {
	if c.Marshal == nil {
		c.Marshal = json.Marshal
	}
	if c.Unmarshal == nil {
		c.Unmarshal = json.Unmarshal
	}
	codec.Store(&c)
}

// CurrentCodec returns the functions in use, encoding/json's by default.
func CurrentCodec() Codec {
	if c := codec.Load(); c != nil {
		return *c
	}
	return Codec{Marshal: json.Marshal, Unmarshal: json.Unmarshal}
}
