package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"
)

// Name is the name the driver is registered under: sql.Open(driver.Name, dsn).
const Name = "momoko"

// openTimeout bounds Driver.Open, which has no context, like pgx's stdlib.
const openTimeout = 60 * time.Second

var momokoDriver = &Driver{}

func init() {
	sql.Register(Name, momokoDriver)
}

// Driver is the database/sql driver registered as "momoko". database/sql uses
// OpenConnector, so one Connector (and one reconnect gate) serves a whole
// *sql.DB.
type Driver struct{}

// OpenConnector parses dsn with ParseConfig and returns a Connector.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnector(cfg)
}

// Open opens one connection with a Connector of its own. database/sql does
// not call it; it is there for code that uses the driver directly.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	return c.Connect(ctx)
}
