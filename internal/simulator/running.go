package simulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a [Server] listening on a real socket, for examples and
// end-to-end tests.
type Running struct {
	*Server
	// URL is the API base URL clients use, "http://127.0.0.1:PORT/v1".
	URL string

	srv       *http.Server
	done      chan error
	closeOnce sync.Once
	closeErr  error
}

// Start listens on addr (e.g. "127.0.0.1:0" for a free port) and serves a
// new Server for cfg in the background until Close.
func Start(addr string, cfg Config) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	s := New(cfg)
	rs := &Running{
		Server: s,
		URL:    "http://" + ln.Addr().String() + "/v1",
		srv:    &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		done:   make(chan error, 1),
	}
	go func() { rs.done <- rs.srv.Serve(ln) }()
	return rs, nil
}

// Close releases hanging requests, closes the listener and every
// connection, and waits for the serving goroutine to end. In-flight
// requests are cut off. Later calls return the first call's result.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		r.Release()
		err := r.srv.Close()
		if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, fmt.Errorf("simulator: serve: %w", serr))
		}
		r.closeErr = err
	})
	return r.closeErr
}
