package pool_test

import (
	"context"
	"fmt"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/momoko-go/momoko/pool"
)

// activeUsers is application code under test: it only needs a *pool.Pool.
func activeUsers(ctx context.Context, p *pool.Pool) ([]string, error) {
	cur, err := p.Execute(ctx, "SELECT name FROM users WHERE active = $1 ORDER BY name", true).Await(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for cur.Len() > 0 {
		var name string
		if err := cur.FetchOne(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// Code that uses a Pool is unit-tested with sqlmock through FromDB.
// Execute runs a statement that may return rows with QueryContext, so it
// is expected with ExpectQuery.
func ExampleFromDB_sqlmock() {
	db, mock, err := sqlmock.New()
	if err != nil {
		panic(err)
	}
	mock.ExpectQuery("SELECT name FROM users").WithArgs(true).
		WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("ada").AddRow("grace"))
	mock.ExpectClose()

	p, err := pool.FromDB(db, pool.Options{})
	if err != nil {
		panic(err)
	}
	names, err := activeUsers(context.Background(), p)
	fmt.Println(names, err)
	fmt.Println(p.Close(), mock.ExpectationsWereMet())
	// Output:
	// [ada grace] <nil>
	// <nil> <nil>
}

func ExampleStats_String() {
	db, mock, _ := sqlmock.New()
	mock.ExpectClose()
	p, _ := pool.FromDB(db, pool.Options{Size: 1, MaxSize: 4})
	defer p.Close()
	ctx := context.Background()
	if _, err := p.Connect(ctx).Await(ctx); err != nil {
		panic(err)
	}
	fmt.Println(p.Stats())
	// Output:
	// <momoko.Pool: 1 free, 0 busy, 0 dead, 0 pending, 0 waiting>
}
