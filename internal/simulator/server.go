package simulator

import (
	"net/http"
	"strings"
	"sync"

	"github.com/batchprompt/batchprompt/budget"
)

// Server is the simulated API. It implements [net/http.Handler] and is safe
// for concurrent use. Its state (attempt counts, rate-limit buckets, stats)
// lives as long as the Server.
type Server struct {
	cfg     Config
	counter *budget.Counter
	prices  *budget.Prices
	lim     *limiter
	filler  []string // words of fillerText

	mu       sync.Mutex // guards stats and attempts
	stats    Stats
	attempts attemptTable // times each request (by body hash) was seen, bounded

	logMu sync.Mutex // serialises RequestLog lines

	releaseOnce sync.Once
	released    chan struct{}

	onHang func() // test hook: called when a request starts hanging

	batch batchAPI // the Files and Batches APIs' state; its zero value is ready
}

// New returns a Server for cfg. It is cheap: token vocabularies load on the
// first request (tens of milliseconds).
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{
		cfg:      cfg,
		counter:  budget.NewCounter(),
		prices:   budget.DefaultPrices(),
		lim:      newLimiter(cfg),
		filler:   strings.Fields(fillerText),
		released: make(chan struct{}),
	}
}

// Handler returns s as an [net/http.Handler], for symmetry with servers
// that wrap theirs.
func (s *Server) Handler() http.Handler { return s }

// Release ends every hanging request now (their connections are closed
// without a response) and makes later Hang faults behave like Reset. Call it
// before closing an [net/http/httptest.Server] that may hold hanging
// requests, since httptest waits for them. It is idempotent.
func (s *Server) Release() {
	s.releaseOnce.Do(func() { close(s.released) })
}

// ServeHTTP routes POST /v1/chat/completions, POST
// /openai/deployments/{name}/chat/completions, POST /v1/embeddings and GET
// /v1/models; anything else gets a 404 or 405 OpenAI error.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/v1/chat/completions" || path == "/chat/completions":
		s.onlyPost(w, r, "")
	case strings.HasPrefix(path, "/openai/deployments/") && strings.HasSuffix(path, "/chat/completions"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/openai/deployments/"), "/chat/completions")
		if name == "" || strings.Contains(name, "/") {
			s.writeError(w, s.lim.state(s.cfg.Now()), "", errNotFound(r.Method, r.URL.Path))
			return
		}
		s.onlyPost(w, r, name)
	case isBatchAPIPath(path):
		s.serveBatchAPI(w, r, path)
	case path == "/v1/embeddings" || path == "/embeddings":
		s.serveEmbeddings(w, r)
	case path == "/v1/models" || path == "/models":
		if r.Method != http.MethodGet {
			s.writeError(w, s.lim.state(s.cfg.Now()), "", errMethod(r.Method, r.URL.Path))
			return
		}
		s.serveModels(w)
	default:
		s.writeError(w, s.lim.state(s.cfg.Now()), "", errNotFound(r.Method, r.URL.Path))
	}
}

func (s *Server) onlyPost(w http.ResponseWriter, r *http.Request, deployment string) {
	if r.Method != http.MethodPost {
		s.writeError(w, s.lim.state(s.cfg.Now()), "", errMethod(r.Method, r.URL.Path))
		return
	}
	s.serveChat(w, r, deployment)
}

// writeError sends e with the rate-limit headers of st.
func (s *Server) writeError(w http.ResponseWriter, st limitState, reqID string, e *apiError) {
	h := w.Header()
	st.setHeaders(h)
	h.Set("Content-Type", "application/json")
	if reqID != "" {
		h.Set("x-request-id", reqID)
	}
	h.Set("x-should-retry", "false")
	if e.status == http.StatusTooManyRequests && e.Code != nil && *e.Code == "rate_limit_exceeded" && h.Get("Retry-After") != "" {
		h.Set("x-should-retry", "true")
	}
	if e.status >= 500 {
		h.Set("x-should-retry", "true")
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body())
}

// abort closes the connection without a response: by hijacking it when
// the server allows, else with http.ErrAbortHandler, net/http's documented
// way for a handler to abort a response (it is recovered by the server and
// not logged).
func abort(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
