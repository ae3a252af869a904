package engine

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/momoko-go/momoko/internal/stmtcache"
)

// ErrCannotSend: the statement cannot be put into PostgreSQL's protocol
// (65,536 arguments or more, a message over 1 GiB, a NUL byte in the SQL
// text). It failed before anything of it was written, alone: the
// connection, its transaction and the statements around it are
// untouched.
var ErrCannotSend = errors.New("momoko: the statement cannot be sent")

// maxMessageBody is the largest message body the server accepts
// (PG_LARGE_MESSAGE_LIMIT); pgproto3 refuses larger ones.
const maxMessageBody = 0x3fffffff - 1

// messageSlack covers a message's other fields: its length, names,
// counts, and the format codes of up to 1,664 result columns (the most a
// result has).
const messageSlack = 16 << 10

// What build, checkSQL and checkParams refuse, pgproto3 would refuse only
// when its buffer is flushed (65,536 parameters, a message over 1 GiB),
// dropping everything buffered with it and failing the write, which
// breaks the connection for every statement in flight; or the server would
// misread it (a NUL byte).

// checkSQL refuses SQL text that cannot be sent: the protocol ends a
// string at its first NUL byte, so the server would run another statement
// than the caller's, or none.
func checkSQL(sql string) error {
	if strings.IndexByte(sql, 0) >= 0 {
		return fmt.Errorf("%w: the SQL text contains a NUL byte", ErrCannotSend)
	}
	if len(sql) > maxMessageBody-messageSlack {
		return fmt.Errorf("%w: the SQL text is %d bytes, over the protocol's 1 GiB", ErrCannotSend, len(sql))
	}
	return nil
}

// checkParams refuses encoded arguments that do not fit one Bind message.
func checkParams(values [][]byte) error {
	size := messageSlack
	for _, v := range values {
		size += 4 + len(v) + 2 // its length and its format code
		if size > maxMessageBody {
			return fmt.Errorf("%w: the arguments take over the protocol's 1 GiB", ErrCannotSend)
		}
	}
	return nil
}

// build encodes args for p with the connection's types; p nil encodes
// them in text, for the server to type (an unprepared statement). stale
// reports an argument that did not encode for p's parameter types, which
// a fresh description may cure: the column's type may have changed since
// p was prepared. Encoding calls the arguments' Value methods, whose
// panics become errors here.
func (w *Engine) build(p *stmtcache.Prepared, args []any) (stale bool, err error) {
	if len(args) > math.MaxUint16 {
		return false, fmt.Errorf("%w: extended protocol limited to %d parameters, got %d", ErrCannotSend, math.MaxUint16, len(args))
	}
	if p != nil && len(args) != len(p.SD.ParamOIDs) {
		return false, fmt.Errorf("momoko: expected %d arguments, got %d", len(p.SD.ParamOIDs), len(args))
	}
	defer func() {
		if v := recover(); v != nil {
			stale, err = false, fmt.Errorf("momoko: encoding an argument panicked: %v", v)
		}
	}()
	var sd *pgconn.StatementDescription
	if p != nil {
		sd = p.SD
	}
	if err := w.eqb.Build(w.types, sd, args); err != nil {
		return p != nil, err
	}
	return false, checkParams(w.eqb.ParamValues)
}

// encodeFailed handles err, an argument of b that did not encode for p
// (nil: unprepared). A cached statement is forgotten, as pgx forgets a
// statement after any error; if its description may have been stale and
// b did not wait for a fresh one yet, b is to be prepared again
// (ErrPrepareAgain), invisibly to its caller.
func (w *Engine) encodeFailed(b *Batch, p *stmtcache.Prepared, stale bool, err error) error {
	if !stale {
		return err
	}
	w.drop(p)
	if b.Described {
		return err
	}
	return ErrPrepareAgain
}

// drop forgets a cached statement and deallocates it with the next
// write.
func (w *Engine) drop(p *stmtcache.Prepared) {
	if w.cache.Forget(p) {
		w.evicted = append(w.evicted, p)
	}
}
