package engine

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// HandBack closes the statements the engine prepared on its connection
// before the connection goes back to database/sql's own callers, in one
// round trip. The owner that takes the connection next cannot use them:
// its cache is its own and starts empty, and its statement names differ,
// so what stayed would pile up on the backend with every hand-over.
// (Inheriting them instead would need a cache that outlives its owner
// and one that trusts statements p.DB()'s callers may have deallocated
// or made stale meanwhile.) Only the pool's own statements are closed:
// pgx's statement cache, which database/sql's callers use, keeps its own.
// An error means the connection is not fit to give back.
func (w *Engine) HandBack() error {
	if w.cache.Len() == 0 && len(w.evicted) == 0 {
		return nil
	}
	// Closing a statement that is not there is no error.
	for _, p := range w.cache.All() {
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: p.Name})
	}
	for _, p := range w.evicted {
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: p.Name})
	}
	w.fe.SendSync(&pgproto3.Sync{})
	if err := w.fe.Flush(); err != nil {
		return err
	}
	// A server that does not answer within handBackTimeout is as good as
	// gone; pgconn closes the connection when the deadline passes.
	ctx, cancel := context.WithTimeout(context.Background(), handBackTimeout)
	defer cancel()
	for {
		m, err := w.pg.ReceiveMessage(ctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			return w.serverError(m)
		case *pgproto3.ReadyForQuery:
			return nil
		}
	}
}

// handBackTimeout bounds HandBack's round trip.
const handBackTimeout = 5 * time.Second
