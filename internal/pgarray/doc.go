// Package pgarray reads and writes PostgreSQL's one-dimensional array
// literals, the text form of an array such as {"a=>1",NULL}, for the value
// types that scan arrays of themselves through database/sql.
//
// # Reading
//
// [Parse] follows the server's array_in: elements are quoted or bare,
// backslash escapes work in both, whitespace around elements is dropped, an
// unquoted NULL in any case is a NULL element, and a dimension decoration
// such as "[0:1]=" is accepted and ignored. Element text is handed to the
// caller, who decodes it as the element type's own input function would.
// Nested (multidimensional) arrays are refused.
//
// # Writing
//
// [AppendElement] quotes every element, so the written literal never
// depends on which characters would have needed quoting; callers write
// NULL elements as the bare word NULL themselves.
//
// # Errors
//
// Malformed literals fail with a [*SyntaxError] giving the byte offset.
// Packages that expose their own error types translate it, keeping Pos and
// Msg.
//
// # NUL bytes
//
// PostgreSQL text cannot hold a NUL byte, so one anywhere in a literal,
// escaped or not, is a syntax error.
package pgarray
