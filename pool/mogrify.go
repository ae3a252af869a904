package pool

import "github.com/momoko-go/momoko/internal/sqltext"

// ErrCannotMogrify is wrapped by Mogrify's error for an argument it cannot
// render as a literal safely (a NUL byte, an unsupported type) and for a
// query whose placeholders do not match the arguments.
var ErrCannotMogrify = sqltext.ErrCannotMogrify
