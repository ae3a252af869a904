package engine

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

func readyForQuery(m pgproto3.BackendMessage) (bool, error) {
	_, ok := m.(*pgproto3.ReadyForQuery)
	return ok, nil
}

// receive reads messages and hands each to handle until it reports done.
// An ErrorResponse ends it with the *pgconn.PgError; a read error with an
// *BrokenError.
func (w *Engine) receive(handle func(pgproto3.BackendMessage) (bool, error)) error {
	for {
		m, err := w.pg.ReceiveMessage(context.Background())
		if err != nil {
			return &BrokenError{err}
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			return w.serverError(m)
		case *pgproto3.NoticeResponse, *pgproto3.NotificationResponse, *pgproto3.ParameterStatus:
			continue // pgconn has passed them to its handlers
		}
		done, err := handle(m)
		if err != nil || done {
			return err
		}
	}
}

// serverError is a statement's error, or an *BrokenError when the error was
// FATAL and the server closed the session.
func (w *Engine) serverError(m *pgproto3.ErrorResponse) error {
	pgErr := pgconn.ErrorResponseToPgError(m)
	if w.pg.IsClosed() {
		return &BrokenError{pgErr}
	}
	return pgErr
}
