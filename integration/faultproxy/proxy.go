package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by methods of a closed Proxy.
var ErrClosed = errors.New("faultproxy: proxy closed")

// Stats counts what the proxy has seen.
type Stats struct {
	Accepted      int64 // client connections accepted
	TargetRefused int64 // accepted connections whose dial to the target failed
	Cut           int64 // connections closed by CutAll
	Active        int64 // connections being proxied now
}

// Proxy forwards TCP connections from Addr to a target address.
type Proxy struct {
	target string
	addr   string

	accepted, targetRefused, cut atomic.Int64

	mu        sync.Mutex
	ln        net.Listener // nil while refusing
	links     map[*link]struct{}
	partition chan struct{} // non-nil while blackholed; closed by Heal
	latency   time.Duration
	closed    bool

	wg sync.WaitGroup
}

// New starts a proxy on a free port of 127.0.0.1 in front of target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), links: make(map[*link]struct{})}
	p.serve(ln)
	return p, nil
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.addr }

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	active := int64(len(p.links))
	p.mu.Unlock()
	return Stats{
		Accepted:      p.accepted.Load(),
		TargetRefused: p.targetRefused.Load(),
		Cut:           p.cut.Load(),
		Active:        active,
	}
}

func (p *Proxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener was closed by Refuse or Close
			}
			p.accepted.Add(1)
			p.wg.Add(1)
			go p.handle(c)
		}
	}()
}

// CutAll closes every proxied connection on both sides.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		if l.close() {
			p.cut.Add(1)
		}
	}
}

// Refuse makes new connection attempts fail with "connection refused".
// Connections already proxied are not touched.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
}

// Accept ends Refuse: the proxy listens on its address again.
func (p *Proxy) Accept() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
	}
	p.serve(ln)
	return nil
}

// Blackhole stops forwarding in both directions, on existing and new
// connections, until Heal.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.partition == nil && !p.closed {
		p.partition = make(chan struct{})
	}
}

// Heal ends a Blackhole; held-back bytes are forwarded.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.partition != nil {
		close(p.partition)
		p.partition = nil
	}
}

// Latency delays every forwarded chunk by d in each direction; 0 removes it.
func (p *Proxy) Latency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// Close stops listening, closes every connection and waits for the proxy's
// goroutines to end. A second Close returns ErrClosed.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.mu.Unlock()
	p.Heal()
	p.CutAll()
	p.wg.Wait()
	return nil
}

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	l := &link{client: client, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		client.Close()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()
	defer func() {
		l.close()
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()

	if !p.await(l) {
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.targetRefused.Add(1)
		return
	}
	if !l.attach(server) {
		server.Close()
		return
	}
	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() { defer pumps.Done(); p.pump(l, server, client) }()
	go func() { defer pumps.Done(); p.pump(l, client, server) }()
	pumps.Wait()
}

// pump copies src to dst chunk by chunk, holding chunks back during a
// blackhole and delaying them by the latency. A clean EOF is passed on as a
// half-close; any other failure closes the whole link.
func (p *Proxy) pump(l *link, dst, src net.Conn) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.await(l) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				l.close()
				return
			}
		}
		if errors.Is(err, io.EOF) {
			if tc, ok := dst.(*net.TCPConn); ok && tc.CloseWrite() == nil {
				return
			}
			l.close()
			return
		}
		if err != nil {
			l.close()
			return
		}
	}
}

// await blocks while the proxy is blackholed, then sleeps the latency.
// It reports false when the link closed meanwhile.
func (p *Proxy) await(l *link) bool {
	p.mu.Lock()
	partition, latency := p.partition, p.latency
	p.mu.Unlock()
	if partition != nil {
		select {
		case <-partition:
		case <-l.done:
			return false
		}
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-l.done:
			return false
		}
	}
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}
