// Package compat holds the tests of the pool with the libraries Go code
// already uses around database/sql and pgx (sqlx, database/sql middleware,
// migration tools), written as those libraries' users write them. The
// package has no API; its tests are the point, and their dependencies stay
// out of what users of the library compile.
package compat
