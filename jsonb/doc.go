// Package jsonb maps PostgreSQL's json and jsonb types to Go values.
//
// [JSON] and [Array] implement [database/sql.Scanner] and
// [database/sql/driver.Valuer], so they work with any database/sql driver:
// plain sql.Open("momoko", dsn), pgx's stdlib, and the pool's cursors.
//
//	type Profile struct{ Name string; Tags []string }
//	var p jsonb.JSON[Profile]
//	err := db.QueryRowContext(ctx, "SELECT profile FROM users WHERE id = $1", id).Scan(&p)
//	_, err = db.ExecContext(ctx, "UPDATE users SET profile = $1 WHERE id = $2",
//		jsonb.Valid(Profile{Name: "Ada"}), id)
//
// T may be a struct, a map, a slice, [encoding/json.RawMessage] (the text
// kept as it is), or anything the codec can marshal.
//
// # NULL
//
// SQL NULL is Valid == false: Scan(nil) sets Valid false and V to T's zero
// value, and Value writes NULL when Valid is false, whatever V holds. The
// JSON literal null is not SQL NULL: it scans as Valid with V left zero, and
// a Valid value whose V marshals to null (a nil map, say) is written as the
// JSON null. [Array] is nil for a NULL array; its elements are JSON values
// and so carry their own Valid flag for NULL elements.
//
// # Codec
//
// Scan and Value use [encoding/json] unless [SetCodec] installs other
// functions (Momoko's loads), for every JSON and Array in the process.
// Scan resets V to its zero value before decoding, so a reused destination
// never keeps fields from an earlier row.
//
// The driver's JSON setting (driver.Config.JSON, pool.RegisterJSON) is a
// different thing: it gives pgx's own json and jsonb codecs those functions,
// per connection, for values pgx decodes itself, such as a map scanned
// through Conn.Raw. database/sql hands Scan the raw text instead, so JSON and
// Array decode it with the codec set here. To have both paths agree, pass
// the same functions to both.
package jsonb
