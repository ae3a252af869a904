package pool

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/internal/sqltext"
)

// lendSQLConn runs fn with dc, the driver connection an owner holds, as a
// *sql.Conn. The owner holds dc inside (*sql.Conn).Raw, so the pool's
// *sql.DB cannot hand it out again: a *sql.DB of its own, over a
// connector that lends dc and never closes it, does, for the duration of
// fn.
func lendSQLConn(ctx context.Context, dc any, fn func(*sql.Conn) error) error {
	conn, ok := dc.(sqldriver.Conn)
	if !ok {
		return ErrNeedsMomokoDriver
	}
	var listened atomic.Bool
	db := sql.OpenDB(lentConnector{conn, &listened})
	defer db.Close()
	sc, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	err = fn(sc)
	if listened.Load() {
		// The next borrower must not receive fn's notifications.
		if _, unErr := sc.ExecContext(context.WithoutCancel(ctx), "UNLISTEN *"); err == nil {
			err = unErr
		}
	}
	return err
}

type lentConnector struct {
	c        sqldriver.Conn
	listened *atomic.Bool
}

func (l lentConnector) Connect(context.Context) (sqldriver.Conn, error) {
	return lentConn{l.c, l.listened}, nil
}
func (l lentConnector) Driver() sqldriver.Driver { return lentDriver{} }

type lentDriver struct{}

var errLentOpen = errors.New("momoko: a lent connection is not opened by name")

func (lentDriver) Open(string) (sqldriver.Conn, error) { return nil, errLentOpen }

// lentConn is a driver connection lent for one call: every method
// database/sql looks for goes to the connection, except Close, since the
// connection stays the owner's.
type lentConn struct {
	c        sqldriver.Conn
	listened *atomic.Bool // a LISTEN went through it
}

func (l lentConn) saw(query string) {
	if sqltext.IsListen(query) {
		l.listened.Store(true)
	}
}

var (
	_ sqldriver.ConnPrepareContext = lentConn{}
	_ sqldriver.ConnBeginTx        = lentConn{}
	_ sqldriver.ExecerContext      = lentConn{}
	_ sqldriver.QueryerContext     = lentConn{}
	_ sqldriver.Pinger             = lentConn{}
	_ sqldriver.NamedValueChecker  = lentConn{}
	_ sqldriver.SessionResetter    = lentConn{}
	_ sqldriver.Validator          = lentConn{}
)

// Raw is the connection lent, for code that unwraps connections.
func (l lentConn) Raw() sqldriver.Conn { return l.c }

// Conn is the *pgx.Conn underneath, as with pgx's stdlib, for code that
// reaches pgx through (*sql.Conn).Raw; nil with another driver.
func (l lentConn) Conn() *pgx.Conn {
	if pc, ok := l.c.(interface{ Conn() *pgx.Conn }); ok {
		return pc.Conn()
	}
	return nil
}

func (l lentConn) Close() error { return nil }

func (l lentConn) Prepare(query string) (sqldriver.Stmt, error) {
	l.saw(query)
	return l.c.Prepare(query)
}

// Begin is driver.Conn's; database/sql calls BeginTx.
func (l lentConn) Begin() (sqldriver.Tx, error) { return l.c.Begin() }

func (l lentConn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	l.saw(query)
	if c, ok := l.c.(sqldriver.ConnPrepareContext); ok {
		return c.PrepareContext(ctx, query)
	}
	return l.c.Prepare(query)
}

func (l lentConn) BeginTx(ctx context.Context, opts sqldriver.TxOptions) (sqldriver.Tx, error) {
	if c, ok := l.c.(sqldriver.ConnBeginTx); ok {
		return c.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		return nil, errors.New("momoko: the driver does not support transaction options")
	}
	return l.c.Begin()
}

func (l lentConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	l.saw(query)
	if c, ok := l.c.(sqldriver.ExecerContext); ok {
		return c.ExecContext(ctx, query, args)
	}
	return nil, sqldriver.ErrSkip
}

func (l lentConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	l.saw(query)
	if c, ok := l.c.(sqldriver.QueryerContext); ok {
		return c.QueryContext(ctx, query, args)
	}
	return nil, sqldriver.ErrSkip
}

func (l lentConn) Ping(ctx context.Context) error {
	if c, ok := l.c.(sqldriver.Pinger); ok {
		return c.Ping(ctx)
	}
	return nil
}

func (l lentConn) CheckNamedValue(v *sqldriver.NamedValue) error {
	if c, ok := l.c.(sqldriver.NamedValueChecker); ok {
		return c.CheckNamedValue(v)
	}
	return sqldriver.ErrSkip
}

func (l lentConn) ResetSession(ctx context.Context) error {
	if c, ok := l.c.(sqldriver.SessionResetter); ok {
		return c.ResetSession(ctx)
	}
	return nil
}

func (l lentConn) IsValid() bool {
	if c, ok := l.c.(sqldriver.Validator); ok {
		return c.IsValid()
	}
	return true
}
