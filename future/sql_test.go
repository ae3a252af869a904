package future_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/momoko-go/momoko/future"
)

var (
	_ future.Queryer = (*sql.DB)(nil)
	_ future.Queryer = (*sql.Conn)(nil)
	_ future.Queryer = (*sql.Tx)(nil)
	_ future.Execer  = (*sql.DB)(nil)
	_ future.Execer  = (*sql.Conn)(nil)
	_ future.Execer  = (*sql.Tx)(nil)
)

// newMock returns a *sql.DB backed by sqlmock that checks, at cleanup, that
// every expectation was met and no connection is still in use.
func newMock(t *testing.T) (*sql.DB, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Error(err)
		}
		if inUse := db.Stats().InUse; inUse != 0 {
			t.Errorf("%d connections still in use", inUse)
		}
		db.Close()
	})
	return db, mock
}

type user struct {
	ID   int
	Name string
}

func scanUser(rows *sql.Rows) (user, error) {
	var u user
	err := rows.Scan(&u.ID, &u.Name)
	return u, err
}

func TestQueryScansEveryRowAndClosesRows(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT id, name FROM users WHERE id > $1").WithArgs(0).
		WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann").AddRow(2, "bob")).
		RowsWillBeClosed()
	ctx := context.Background()
	users, err := future.Query(ctx, db, scanUser, "SELECT id, name FROM users WHERE id > $1", 0).Await(ctx)
	if err != nil || !slices.Equal(users, []user{{1, "ann"}, {2, "bob"}}) {
		t.Fatalf("Query = %v, %v", users, err)
	}
}

func TestQueryNoRowsGivesEmptySlice(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT id, name FROM users").WillReturnRows(sqlmock.NewRows([]string{"id", "name"})).RowsWillBeClosed()
	ctx := context.Background()
	users, err := future.Query(ctx, db, scanUser, "SELECT id, name FROM users").Await(ctx)
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("Query = %#v, %v; want an empty slice", users, err)
	}
}

func TestQueryErrors(t *testing.T) {
	errRow := errors.New("row 2 broke")
	errScan := errors.New("scan refused")
	for _, tc := range []struct {
		name string
		scan func(*sql.Rows) (user, error)
		rows *sqlmock.Rows
		want error
	}{
		{"row error", scanUser, sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann").AddRow(2, "bob").RowError(1, errRow), errRow},
		{"scan error", func(*sql.Rows) (user, error) { return user{}, errScan }, sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann"), errScan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, mock := newMock(t)
			mock.ExpectQuery("SELECT id, name FROM users").WillReturnRows(tc.rows).RowsWillBeClosed()
			ctx := context.Background()
			if _, err := future.Query(ctx, db, tc.scan, "SELECT id, name FROM users").Await(ctx); !errors.Is(err, tc.want) {
				t.Fatalf("Query: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestQueryScanPanicClosesRows(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT id, name FROM users").
		WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann")).RowsWillBeClosed()
	ctx := context.Background()
	_, err := future.Query(ctx, db, func(*sql.Rows) (user, error) { panic("scanner bug") }, "SELECT id, name FROM users").Await(ctx)
	var pe *future.PanicError
	if !errors.As(err, &pe) || pe.Value != "scanner bug" {
		t.Fatalf("Query: %v, want the scanner's panic as *PanicError", err)
	}
}

func TestQueryCancelledDuringScanClosesRows(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT id, name FROM users").
		WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann").AddRow(2, "bob").AddRow(3, "cy")).
		RowsWillBeClosed()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scanned := 0
	f := future.Query(ctx, db, func(rows *sql.Rows) (user, error) {
		scanned++
		cancel()
		return scanUser(rows)
	}, "SELECT id, name FROM users")
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Query: %v, want context.Canceled", err)
	}
	if scanned != 1 {
		t.Fatalf("scanned %d rows after cancellation, want 1", scanned)
	}
}

func TestQueryRow(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT id, name FROM users WHERE id = $1").WithArgs(1).
		WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann").AddRow(9, "extra")).RowsWillBeClosed()
	mock.ExpectQuery("SELECT id, name FROM users WHERE id = $1").WithArgs(2).
		WillReturnRows(sqlmock.NewRows([]string{"id", "name"})).RowsWillBeClosed()
	mock.ExpectQuery("SELECT id, name FROM users WHERE id = $1").WithArgs(3).WillReturnError(errBoom)
	ctx := context.Background()
	const q = "SELECT id, name FROM users WHERE id = $1"
	if u, err := future.QueryRow(ctx, db, scanUser, q, 1).Await(ctx); u != (user{1, "ann"}) || err != nil {
		t.Fatalf("QueryRow = %v, %v; want the first row", u, err)
	}
	if _, err := future.QueryRow(ctx, db, scanUser, q, 2).Await(ctx); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("QueryRow with no rows: %v, want sql.ErrNoRows", err)
	}
	if _, err := future.QueryRow(ctx, db, scanUser, q, 3).Await(ctx); !errors.Is(err, errBoom) {
		t.Fatalf("QueryRow with a failing query: %v, want %v", err, errBoom)
	}
}

func TestExec(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectExec("UPDATE users SET name = $1").WithArgs("x").WillReturnResult(sqlmock.NewResult(0, 3))
	ctx := context.Background()
	res, err := future.Exec(ctx, db, "UPDATE users SET name = $1", "x").Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); n != 3 || err != nil {
		t.Fatalf("RowsAffected = %v, %v; want 3", n, err)
	}
}

func TestParallelQueriesWithAll(t *testing.T) {
	db, mock := newMock(t)
	mock.MatchExpectationsInOrder(false)
	for _, n := range []int{1, 2, 3} {
		mock.ExpectQuery("SELECT $1::int").WithArgs(n).
			WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(n)).RowsWillBeClosed()
	}
	ctx := context.Background()
	vals, err := future.All(ctx,
		future.QueryRow(ctx, db, future.ScanValue[int], "SELECT $1::int", 1),
		future.QueryRow(ctx, db, future.ScanValue[int], "SELECT $1::int", 2),
		future.QueryRow(ctx, db, future.ScanValue[int], "SELECT $1::int", 3))
	if err != nil || !slices.Equal(vals, []int{1, 2, 3}) {
		t.Fatalf("All = %v, %v; want [1 2 3]", vals, err)
	}
}

func TestMapRunsOneQueryOverManyInputs(t *testing.T) {
	db, mock := newMock(t)
	mock.MatchExpectationsInOrder(false)
	ids := []int{10, 20, 30, 40}
	for _, id := range ids {
		mock.ExpectQuery("SELECT name FROM users WHERE id = $1").WithArgs(id).
			WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("user" + string(rune('0'+id/10)))).RowsWillBeClosed()
	}
	ctx := context.Background()
	names, err := future.Map(ctx, 2, ids, func(ctx context.Context, id int) (string, error) {
		return future.QueryRow(ctx, db, future.ScanValue[string], "SELECT name FROM users WHERE id = $1", id).Await(ctx)
	}).Await(ctx)
	if err != nil || !slices.Equal(names, []string{"user1", "user2", "user3", "user4"}) {
		t.Fatalf("Map = %v, %v", names, err)
	}
}

func TestHelpersOnConnAndTx(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectBegin()
	mock.ExpectExec("INSERT INTO users (name) VALUES ($1)").WithArgs("dee").WillReturnResult(sqlmock.NewResult(4, 1))
	mock.ExpectQuery("SELECT count(*) FROM users").WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(4)).RowsWillBeClosed()
	mock.ExpectCommit()
	mock.ExpectQuery("SELECT 1").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(1)).RowsWillBeClosed()
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := future.Exec(ctx, tx, "INSERT INTO users (name) VALUES ($1)", "dee").Await(ctx); err != nil {
		t.Fatalf("Exec on a Tx: %v", err)
	}
	if n, err := future.QueryRow(ctx, tx, future.ScanValue[int64], "SELECT count(*) FROM users").Await(ctx); n != 4 || err != nil {
		t.Fatalf("QueryRow on a Tx = %v, %v; want 4", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if n, err := future.QueryRow(ctx, conn, future.ScanValue[int], "SELECT 1").Await(ctx); n != 1 || err != nil {
		t.Fatalf("QueryRow on a Conn = %v, %v; want 1", n, err)
	}
}

func TestHelpersNilArguments(t *testing.T) {
	ctx := context.Background()
	db, _ := newMock(t)
	for name, err := range map[string]error{
		"Query nil q":       errOf(future.Query[int](ctx, nil, future.ScanValue[int], "SELECT 1")),
		"Query nil scan":    errOf(future.Query[int](ctx, db, nil, "SELECT 1")),
		"QueryRow nil q":    errOf(future.QueryRow[int](ctx, nil, future.ScanValue[int], "SELECT 1")),
		"QueryRow nil scan": errOf(future.QueryRow[int](ctx, db, nil, "SELECT 1")),
		"Exec nil e":        errOf(future.Exec(ctx, nil, "SELECT 1")),
	} {
		if !errors.Is(err, future.ErrNilArgument) {
			t.Errorf("%s: %v, want ErrNilArgument", name, err)
		}
	}
}

func errOf[T any](f *future.Future[T]) error {
	_, err := f.Await(context.Background())
	return err
}
