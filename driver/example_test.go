package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/momoko-go/momoko/driver"
)

// Any database/sql code works with the "momoko" driver; momoko's own keys
// ride along in the DSN.
func Example() {
	db, err := sql.Open(driver.Name, os.Getenv("DATABASE_URL")+"?setsession=SET%20TIME%20ZONE%20'UTC'&reconnect_interval=1s")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var tz string
	if err := db.QueryRow("SHOW TIME ZONE").Scan(&tz); err != nil {
		log.Fatal(err)
	}
	fmt.Println(tz)
}

// (*sql.Conn).Raw hands out a driver connection whose Conn method, as on
// pgx's *stdlib.Conn, reaches the *pgx.Conn for COPY, LISTEN and other
// pgx-native work.
func Example_copyThroughRaw() {
	ctx := context.Background()
	db, err := sql.Open(driver.Name, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		pc := driverConn.(interface{ Conn() *pgx.Conn }).Conn()
		n, err := pc.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id"}, pgx.CopyFromRows([][]any{{1}, {2}}))
		fmt.Println(n, "rows copied")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}

// ParseConfig reads momoko's keys and leaves the rest to pgx.
func ExampleParseConfig() {
	cfg, err := driver.ParseConfig("postgres://app:secret@db.example/app?setsession=SET%20search_path%3Dapp&ping_after_idle=0&sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.SetSession, cfg.PingAfterIdle, cfg.ReconnectInterval, cfg.ConnConfig.Host)
	// Output: [SET search_path=app] 0s 500ms db.example
}

// BeforeConnect gives every new connection a current password, such as
// a cloud IAM token that lives minutes; connections already open keep
// theirs.
func ExampleConfig_beforeConnect() {
	cfg, err := driver.ParseConfig("postgres://app@db.example/app?sslmode=require")
	if err != nil {
		log.Fatal(err)
	}
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		token, err := fetchToken(ctx, cc.Host, cc.User)
		if err != nil {
			return err // the dial fails with an error wrapping driver.ErrBeforeConnect
		}
		cc.Password = token
		return nil
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
}

// fetchToken stands for a cloud provider's token call.
func fetchToken(ctx context.Context, host, user string) (string, error) { return "token", ctx.Err() }

// Redact makes a DSN safe to log.
func ExampleRedact() {
	fmt.Println(driver.Redact("postgres://app:secret@db.example/app"))
	fmt.Println(driver.Redact("host=db.example user=app password=secret"))
	// Output:
	// postgres://app:xxxxx@db.example/app
	// host=db.example user=app password='xxxxx'
}

// Classify tells a caller what it may do about an error.
func ExampleClassify() {
	fmt.Println(driver.Classify(&driver.UnavailableError{Err: fmt.Errorf("connection refused")}))
	fmt.Println(driver.Classify(driver.ErrConnectionLost))
	// Output:
	// safe to retry
	// connection lost
}
