// Package faultproxy is a TCP proxy on 127.0.0.1 that injects the network
// faults Momoko's tests made with tcproxy: cut connections, refused
// connections, partitions and latency.
//
//	p, err := faultproxy.New(srv.Addr())
//	defer p.Close()
//	dsn, _ := pgtest.WithAddr(srv.DSN(), p.Addr())
//	...
//	p.CutAll()    // every proxied connection is closed on both sides
//	p.Refuse()    // new connections get ECONNREFUSED until Accept
//	p.Blackhole() // connections stay open but nothing is forwarded until Heal
//
// # Faults
//
// A blackhole models a partition: bytes already read are held back, not
// dropped, so when Heal is called both directions resume where they stopped,
// as TCP would after retransmission. New connections accepted during a
// blackhole forward nothing until Heal either, so a client's connect
// attempt runs into its own deadline, as it would against a partitioned host.
//
// Refuse closes the listening socket so clients see a real "connection
// refused"; Accept listens on the same port again. Refused attempts never
// reach the proxy and are not counted.
package faultproxy
