package pool

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
)

// ErrBadProcName is wrapped by CallProc's error for a name that is not a
// valid, possibly schema-qualified, identifier.
var ErrBadProcName = errors.New("momoko: bad function or procedure name")

// quoteProcName quotes each dot-separated part of name as an identifier.
func quoteProcName(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 3 {
		return "", fmt.Errorf("%w %q: at most database.schema.name", ErrBadProcName, name)
	}
	for _, part := range parts {
		if part == "" || strings.IndexByte(part, 0) >= 0 {
			return "", fmt.Errorf("%w %q", ErrBadProcName, name)
		}
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i + 1))
	}
	return b.String()
}

// callProc tries name as a function first; PostgreSQL rejects that for a
// procedure while analysing the statement, before anything runs, so
// calling it again with CALL cannot run it twice. Inside a transaction the
// rejected attempt would abort the transaction, so it runs under a
// savepoint.
func callProc(ctx context.Context, t target, name string, args []any) (*Cursor, error) {
	quoted, err := quoteProcName(name)
	if err != nil {
		return nil, err
	}
	params := placeholders(len(args))
	inTx := t.inTransaction()
	if inTx {
		if err := exec(ctx, t, "SAVEPOINT "+callProcSavepoint); err != nil {
			return nil, err
		}
	}
	cur, err := runStatement(ctx, t, "SELECT * FROM "+quoted+"("+params+")", args)
	if sqlState(err) == pgerrcode.WrongObjectType {
		if inTx {
			if err := exec(ctx, t, "ROLLBACK TO SAVEPOINT "+callProcSavepoint); err != nil {
				return nil, err
			}
		}
		cur, err = runStatement(ctx, t, "CALL "+quoted+"("+params+")", args)
	}
	if inTx && err == nil {
		err = exec(ctx, t, "RELEASE SAVEPOINT "+callProcSavepoint)
	}
	if err != nil {
		return nil, err
	}
	return cur, nil
}

const callProcSavepoint = "momoko_callproc"

// sqlState is err's SQLSTATE, found through a small interface so that any
// driver's errors work.
func sqlState(err error) string {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState()
	}
	return ""
}
