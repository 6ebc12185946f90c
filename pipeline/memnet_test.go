package pipeline

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// memTransport serves requests by calling a handler in the caller's
// goroutine, with no socket: inside a testing/synctest bubble the whole
// exchange, the simulator's latency and hangs included, runs on the
// bubble's fake clock. A handler that aborts (the simulator's reset fault)
// comes back as a reset connection.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, fmt.Errorf("read: %w", syscall.ECONNRESET)
		}
	}()
	if req.Body != nil {
		// The handler reads the body; the server would have closed it.
		defer req.Body.Close()
	}
	m.h.ServeHTTP(rec, req.WithContext(req.Context()))
	if err := req.Context().Err(); err != nil {
		return nil, errors.Join(err, io.ErrUnexpectedEOF)
	}
	return rec.Result(), nil
}

// memEnv is testEnv with the simulator in memory: for tests that run in a
// synctest bubble, on fake time.
type memEnv struct {
	sim *simulator.Server
	dir string
}

func (e *memEnv) job(input string) Job { return (&testEnv{dir: e.dir}).job(input) }

func (e *memEnv) opts() Options {
	o := (&testEnv{dir: e.dir}).optsFor("http://sim.invalid/v1")
	o.HTTPClient = &http.Client{Transport: memTransport{e.sim}}
	return o
}
