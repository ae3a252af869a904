package pgarray

// IsSpace is the server's scanner_isspace, which array_in and hstore_in
// both use, with \v as recent releases have it; older ones read \v as part
// of a bare token, which is why writers quote every element.
func IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// IsNULL is the server's ASCII-only, case-insensitive test for an unquoted
// NULL.
func IsNULL(s string) bool {
	return len(s) == 4 && s[0]|0x20 == 'n' && s[1]|0x20 == 'u' && s[2]|0x20 == 'l' && s[3]|0x20 == 'l'
}
