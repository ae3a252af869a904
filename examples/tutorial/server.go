package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long requests in flight may take to finish
// once the tutorial is asked to stop.
const shutdownTimeout = 5 * time.Second

// httpServer is the tutorial's HTTP server, serving in the background.
type httpServer struct {
	srv    *http.Server
	url    string     // base URL, ending in "/"
	failed chan error // receives Serve's error if it stops on its own
}

// listen binds addr (port 0 picks a free port) and starts serving h.
func listen(addr string, h http.Handler) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &httpServer{
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		url:    "http://" + ln.Addr().String() + "/",
		failed: make(chan error, 1),
	}
	go func() {
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.failed <- err
		}
	}()
	return s, nil
}

// shutdown stops accepting requests and waits for those in flight.
func (s *httpServer) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
