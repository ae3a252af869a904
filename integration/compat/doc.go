// Package compat holds the tests of the pool with the libraries Go code
// already uses around database/sql and pgx (sqlx, database/sql middleware
// such as otelsql with the OpenTelemetry SDK, golang-migrate), written as
// those libraries' users write them. The package has no API; its tests are
// the point.
//
// It is a module of its own, as the metrics adapters are: a library's
// go.mod requirements become every user's minimum versions, so the core
// module requires none of these libraries. Its tests run from this
// directory:
//
//	cd integration/compat && go test -race ./...
package compat
