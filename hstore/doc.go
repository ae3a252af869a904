// Package hstore maps PostgreSQL's hstore type to Go.
//
// [Hstore] and [Array] implement [database/sql.Scanner] and
// [database/sql/driver.Valuer] over hstore's text format, so they work with
// any database/sql driver: with plain sql.Open("momoko", dsn), with pgx's
// stdlib, and with the pool's cursors.
//
//	var attrs hstore.Hstore
//	err := db.QueryRowContext(ctx, "SELECT attrs FROM items WHERE id = $1", id).Scan(&attrs)
//	_, err = db.ExecContext(ctx, "UPDATE items SET attrs = $1 WHERE id = $2",
//		hstore.Hstore{"colour": hstore.Text("red"), "size": nil}, id)
//
// # NULL
//
// Two kinds of NULL meet here. A value inside an hstore may be NULL: that is a
// nil *string in the map. The hstore itself may be SQL NULL: that is a nil
// Hstore. A nil Hstore is written as NULL and NULL scans into a nil Hstore;
// an empty, non-nil Hstore is an empty hstore. [Array] follows the same
// rule twice: a nil Array is a NULL array, a nil element is a NULL element.
//
// # Text format
//
// Scan accepts everything the server's hstore input function accepts, with
// the same result: quoted and unquoted keys and values, backslash escapes in
// both, whitespace around tokens, a trailing comma, and an unquoted NULL
// (any case) as a NULL value. When a key repeats, the first value is kept
// (the server keeps one of them and does not say which). Value writes the
// server's own output form, every key and value quoted, keys in sorted
// order, so the text is deterministic and parses back identically.
//
// PostgreSQL text cannot hold a NUL byte: Value refuses one with
// [ErrNULByte] rather than letting the server truncate or reject the text.
// Invalid UTF-8 is left for the server to judge, since that depends on the
// database encoding.
//
// # Binary format
//
// database/sql drivers hand Scan the text form. The momoko driver can also
// register pgx's binary hstore codec on every connection (driver.Config.Hstore
// or pool.RegisterHstore) for pgx-native work; Hstore keeps working through
// database/sql either way, because pgx's stdlib still asks for text.
package hstore
