package future_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/momoko-go/momoko/future"
)

// Momoko's tutorial runs three queries in parallel. A sqlmock database
// stands in for PostgreSQL here.
func ExampleQueryRow_threeQueriesInParallel() {
	db, mock, _ := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	defer db.Close()
	mock.MatchExpectationsInOrder(false) // the queries race
	for _, n := range []int{1, 2, 3} {
		mock.ExpectQuery(fmt.Sprintf("SELECT %d", n)).WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(n))
	}

	ctx := context.Background()
	f1 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 1")
	f2 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 2")
	f3 := future.QueryRow(ctx, db, future.ScanValue[int], "SELECT 3")
	vals, err := future.All(ctx, f1, f2, f3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vals)
	// Output: [1 2 3]
}

func ExampleQuery() {
	db, mock, _ := sqlmock.New()
	defer db.Close()
	mock.ExpectQuery("SELECT name FROM users").
		WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("ann").AddRow("bob"))

	ctx := context.Background()
	names := future.Query(ctx, db, func(rows *sql.Rows) (string, error) {
		var name string
		err := rows.Scan(&name)
		return name, err
	}, "SELECT name FROM users ORDER BY name")
	fmt.Println(names.Await(ctx))
	// Output: [ann bob] <nil>
}

func ExampleExec() {
	db, mock, _ := sqlmock.New()
	defer db.Close()
	mock.ExpectExec("DELETE FROM sessions").WillReturnResult(sqlmock.NewResult(0, 5))

	ctx := context.Background()
	res, err := future.Exec(ctx, db, "DELETE FROM sessions WHERE expires < now()").Await(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := res.RowsAffected()
	fmt.Println(n, "sessions deleted")
	// Output: 5 sessions deleted
}
