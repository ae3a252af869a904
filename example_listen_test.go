package momoko_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/momoko-go/momoko/pool"
)

// A Listener delivers NOTIFYs on a connection of its own, and survives
// losing it: here its session is ended as a server restart would end it.
// It reconnects by itself, listens again, and says that notifications may
// have been missed meanwhile, so that the reader reads its state again;
// everything sent from then on arrives.
func Example_listen() {
	ctx := context.Background()
	p, err := pool.Open(ctx, dsn, pool.Options{Size: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	run := func(sql string) {
		if _, err := p.Execute(ctx, sql).Await(ctx); err != nil {
			log.Fatal(err)
		}
	}

	l, err := p.Listen(ctx, "orders")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	run("SELECT pg_notify('orders', 'order 1 paid')")
	for n, err := range l.Notifications(ctx) {
		if errors.Is(err, pool.ErrNotificationsMissed) {
			fmt.Println("notifications may have been missed: read the orders again")
			run("SELECT pg_notify('orders', 'order 2 paid')")
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n.Channel+":", n.Payload)
		if n.Payload == "order 2 paid" {
			break
		}
		run(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%'`)
	}
	// Output:
	// orders: order 1 paid
	// notifications may have been missed: read the orders again
	// orders: order 2 paid
}
