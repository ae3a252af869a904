package pgarray

// AppendElement appends s double-quoted for an array literal, escaping '"'
// and '\'. It takes bytes as well as strings so that encoded elements need
// no conversion.
func AppendElement[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
