// Package pipelinetest runs a local OpenAI-compatible server for testing
// programs that use package pipeline, as net/http/httptest does for HTTP
// handlers: no key, no network, no cost.
//
// The server answers chat completions deterministically (the same request
// always gets the same reply and token usage), counts prompt tokens as the
// real API bills them, enforces per-minute limits with the real API's
// x-ratelimit-* and Retry-After headers, and can inject the faults a batch
// client must survive. Give [Server.URL] to pipeline as the endpoint's
// BaseURL.
package pipelinetest

import (
	"fmt"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// Config configures a [Server]. The zero value is an instant, unlimited,
// fault-free server that accepts any model and any key.
type Config struct {
	// Latency is added before every answer, as the time a model takes.
	Latency time.Duration

	// RPM and TPM are requests and tokens per minute; 0 means unlimited.
	// Requests over a limit get 429 rate_limit_exceeded with Retry-After,
	// as from the real API. Tokens are charged on arrival the way OpenAI
	// estimates them: about a token per four bytes of the messages, plus
	// the request's output cap (max_tokens, else the model's maximum).
	RPM, TPM int64

	// APIKey, if non-empty, must be sent as "Authorization: Bearer <key>";
	// any other key gets 401. The server never logs or echoes it.
	APIKey string

	// Faults are shares of requests answered with an error instead.
	Faults Faults

	// Seed changes which requests the faults hit. The choice is otherwise
	// a pure function of the request body and how often it was sent, so a
	// retried request may succeed where its first attempt failed.
	Seed int64
}

// Faults are shares, each from 0 to 1, of requests the server answers with
// a failure after charging them against the rate limits (as the real API
// does). Their sum must not exceed 1.
type Faults struct {
	ServerError float64 // 500 with an OpenAI server_error body
	BadGateway  float64 // 502 with an HTML body, as a proxy sends it
	Overloaded  float64 // 503 with an OpenAI body
	Reset       float64 // the connection is closed without an answer
	Truncated   float64 // 200 whose JSON body is cut in half
	Hang        float64 // no answer until the client gives up or Close
}

// Stats counts what a [Server] received since it started. Every request
// counts in Requests and in at most one other counter.
type Stats struct {
	Requests     int64 // every chat completion or embeddings request received
	OK           int64 // complete 200 answers
	RateLimited  int64 // 429 answers
	ServerErrors int64 // injected 500, 502 and 503 answers
	Dropped      int64 // injected resets, hangs and truncated answers
	Rejected     int64 // 400, 401 and 404 answers: invalid requests, bad keys, unknown models

	// PromptTokens and CompletionTokens sum the usage of the OK answers:
	// what the real API would have billed.
	PromptTokens, CompletionTokens int64
}

// Server is a running test server. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the API base URL, "http://127.0.0.1:PORT/v1".
	URL string

	sim *simulator.Running
}

// NewServer starts a server for cfg on a free port of 127.0.0.1. It fails
// when a fault share is outside [0, 1], when the shares add up to more
// than 1, or when it cannot listen. Call [Server.Close] when done.
func NewServer(cfg Config) (*Server, error) {
	f := cfg.Faults
	sum := 0.0
	for _, p := range []float64{f.ServerError, f.BadGateway, f.Overloaded, f.Reset, f.Truncated, f.Hang} {
		if p < 0 || p > 1 {
			return nil, fmt.Errorf("pipelinetest: fault share %g: want a share from 0 to 1", p)
		}
		sum += p
	}
	if sum > 1 {
		return nil, fmt.Errorf("pipelinetest: fault shares add up to %g: want at most 1", sum)
	}
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{
		Latency: cfg.Latency, RPM: cfg.RPM, TPM: cfg.TPM, APIKey: cfg.APIKey, Seed: cfg.Seed,
		Faults: simulator.Faults{Err500: f.ServerError, Err502HTML: f.BadGateway, Err503: f.Overloaded,
			Reset: f.Reset, Truncated: f.Truncated, Hang: f.Hang},
	})
	if err != nil {
		return nil, fmt.Errorf("pipelinetest: %w", err)
	}
	return &Server{URL: sim.URL, sim: sim}, nil
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := s.sim.Stats()
	f := st.Faults
	return Stats{
		Requests: st.Requests, OK: st.OK, RateLimited: st.RateLimited + st.InsufficientQuota,
		ServerErrors: f.Err500 + f.Err502HTML + f.Err503,
		Dropped:      f.Reset + f.Hang + f.Truncated,
		Rejected:     st.Invalid + st.Unauthorized,
		PromptTokens: st.PromptTokens, CompletionTokens: st.CompletionTokens,
	}
}

// Close ends hanging requests, stops the server and closes every
// connection, cutting off requests in flight. It waits for the server's
// goroutine to end. Later calls return the first call's result.
func (s *Server) Close() error {
	return s.sim.Close()
}
