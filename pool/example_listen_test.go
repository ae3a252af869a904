package pool_test

import (
	"context"
	"errors"
	"log"
	"os"

	"github.com/momoko-go/momoko/pool"
)

// A Listener keeps a cache in step with NOTIFYs: a trigger sends the SKU
// of each price that changes, and the cache forgets it; when
// notifications may have been missed (the connection was lost, or the
// reader fell behind a full buffer), the whole cache is loaded again. It
// needs a server, so it is compiled, not run.
func ExamplePool_Listen() {
	ctx := context.Background()
	p, err := pool.Open(ctx, os.Getenv("DATABASE_URL"), pool.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	l, err := p.Listen(ctx, "price_changed")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	prices := map[string]int64{}
	reload := func() error {
		cur, err := p.Execute(ctx, "SELECT sku, price FROM prices").Await(ctx)
		if err != nil {
			return err
		}
		clear(prices)
		for cur.Len() > 0 {
			var sku string
			var price int64
			if err := cur.FetchOne(&sku, &price); err != nil {
				return err
			}
			prices[sku] = price
		}
		return nil
	}
	// Loaded after Listen: a change made from now on is notified.
	if err := reload(); err != nil {
		log.Fatal(err)
	}
	for n, err := range l.Notifications(ctx) {
		if errors.Is(err, pool.ErrNotificationsMissed) {
			if err := reload(); err != nil {
				log.Fatal(err)
			}
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		delete(prices, n.Payload) // read again when next needed
	}
}
