package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func apiErr(status int, code any, typ string, hdr map[string]string) error {
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return &HTTPError{Status: status, Header: h, API: &openai.APIError{Code: code, Type: typ, Message: "m", HTTPStatusCode: status}}
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		err     error
		verdict Verdict
		kind    string
		wait    time.Duration
	}{
		{"429 rate limit with retry-after-ms", apiErr(429, "rate_limit_exceeded", "requests", map[string]string{"retry-after-ms": "1500", "Retry-After": "9"}), RateLimited, "rate_limit", 1500 * time.Millisecond},
		{"429 Retry-After seconds", apiErr(429, "rate_limit_exceeded", "tokens", map[string]string{"Retry-After": "3"}), RateLimited, "rate_limit", 3 * time.Second},
		{"429 Retry-After date", apiErr(429, "rate_limit_exceeded", "tokens", map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}), RateLimited, "rate_limit", 7 * time.Second},
		{"429 reset header of the exhausted limit", apiErr(429, "rate_limit_exceeded", "tokens", map[string]string{
			"x-ratelimit-remaining-requests": "10", "x-ratelimit-reset-requests": "6m0s",
			"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "2.5s"}), RateLimited, "rate_limit", 2500 * time.Millisecond},
		{"429 that must not be retried", apiErr(429, "rate_limit_exceeded", "tokens", map[string]string{"x-should-retry": "false"}), RowError, "request_too_large", 0},
		{"429 insufficient quota", apiErr(429, "insufficient_quota", "insufficient_quota", nil), OutOfCredit, "insufficient_quota", 0},
		{"401", apiErr(401, "invalid_api_key", "invalid_request_error", nil), Fatal, "auth", 0},
		{"403", apiErr(403, nil, "", nil), Fatal, "auth", 0},
		{"400 bad request", apiErr(400, nil, "invalid_request_error", nil), RowError, "http_400", 0},
		{"400 context length", apiErr(400, "context_length_exceeded", "invalid_request_error", nil), RowError, "context_length_exceeded", 0},
		{"400 content filter", apiErr(400, "content_filter", "invalid_request_error", nil), RowError, "content_filter", 0},
		{"404 model", apiErr(404, "model_not_found", "invalid_request_error", nil), RowError, "model_not_found", 0},
		{"408", apiErr(408, nil, "", nil), Retry, "timeout", 0},
		{"409", apiErr(409, nil, "", nil), Retry, "conflict", 0},
		{"500", apiErr(500, nil, "server_error", nil), Retry, "server_error", 0},
		{"502 HTML", &HTTPError{Status: 502, Header: http.Header{}, Body: []byte("<html>bad gateway</html>")}, Retry, "server_error", 0},
		{"503", apiErr(503, nil, "", nil), Retry, "server_error", 0},
		{"numeric code", apiErr(400, 1234, "", nil), RowError, "http_400", 0},
		{"truncated body", &DecodeError{Status: 200, Err: io.ErrUnexpectedEOF}, Retry, "bad_response", 0},
		{"timeout", fmt.Errorf("post: %w", context.DeadlineExceeded), Retry, "timeout", 0},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, Retry, "connection", 0},
		{"EOF", fmt.Errorf("post: %w", io.EOF), Retry, "connection", 0},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, Retry, "unreachable", 0},
		{"dns", &net.DNSError{Err: "no such host", Name: "api.example"}, Retry, "unreachable", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Classify(tc.err, now)
			if c.Verdict != tc.verdict || c.Kind != tc.kind || c.Wait != tc.wait {
				t.Fatalf("Classify = %v/%s/%v, want %v/%s/%v", c.Verdict, c.Kind, c.Wait, tc.verdict, tc.kind, tc.wait)
			}
		})
	}
}

func TestWaitHintFromMessage(t *testing.T) {
	err := &HTTPError{Status: 429, Header: http.Header{}, API: &openai.APIError{Code: "rate_limit_exceeded",
		Message: "Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit 200000, Used 199000. Please try again in 1.982s."}}
	if c := Classify(err, time.Now()); c.Wait != 1982*time.Millisecond {
		t.Fatalf("wait = %v, want 1.982s", c.Wait)
	}
	err.API.Message = "Please try again in 350ms."
	if c := Classify(err, time.Now()); c.Wait != 350*time.Millisecond {
		t.Fatalf("wait = %v, want 350ms", c.Wait)
	}
}

func TestBackoff(t *testing.T) {
	base, ceil := 500*time.Millisecond, 30*time.Second
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0.999999999, 500 * time.Millisecond},
		{1, 0.5, 250 * time.Millisecond},
		{2, 1, time.Second},
		{3, 1, 2 * time.Second},
		{6, 1, 16 * time.Second},
		{7, 1, 30 * time.Second},
		{50, 1, 30 * time.Second}, // capped, no overflow
		{4, 0, 0},                 // full jitter reaches zero
		{0, 1, 500 * time.Millisecond},
	}
	for _, tc := range tests {
		got := Backoff(tc.attempt, base, ceil, tc.rnd)
		if d := got - tc.want; d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("Backoff(%d, rnd=%v) = %v, want %v", tc.attempt, tc.rnd, got, tc.want)
		}
	}
}

func TestHTTPErrorText(t *testing.T) {
	err := apiErr(400, "context_length_exceeded", "invalid_request_error", nil)
	if got := err.Error(); got != "HTTP 400 context_length_exceeded: m" {
		t.Fatalf("Error() = %q", got)
	}
	var he *HTTPError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &he) {
		t.Fatal("HTTPError must survive wrapping")
	}
}
