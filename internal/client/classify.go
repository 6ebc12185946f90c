package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Verdict is what the pipeline does about a failed request.
type Verdict int

const (
	// Retry: a transient failure (5xx, timeout, reset connection, truncated
	// body). Back off and try again; it counts as an attempt.
	Retry Verdict = iota + 1
	// RateLimited: a 429 rate_limit_exceeded. Every worker pauses for the
	// server's wait; it does not count as an attempt.
	RateLimited
	// RowError: the request itself is wrong (400, 404, context length,
	// content filter). The row gets an error result and the job goes on.
	RowError
	// Fatal: every request would fail (401, 403): stop sending, keep what is
	// done, exit 1 with what to fix.
	Fatal
	// OutOfCredit: 429 insufficient_quota. Stop sending and keep everything;
	// the job resumes once credit is added.
	OutOfCredit
)

// Class is the classifier's answer for one failed request.
type Class struct {
	Verdict Verdict
	// Kind names the failure for error rows and the summary: "http_400",
	// "context_length_exceeded", "rate_limit", "timeout", "connection",
	// "unreachable", "server_error", "bad_response", "auth",
	// "insufficient_quota", ...
	Kind string
	// Wait is the server's own wait hint (zero when it gave none).
	Wait time.Duration
	// Status is the HTTP status, 0 when no response arrived.
	Status int
}

// Classify decides what a failed Send means. It is the one place where the
// pipeline tells retryable from permanent from job-fatal errors, and it
// looks at status codes and error codes, never at message text, except for
// the wait hint in a 429's message when no header carries one. now is used
// to read Retry-After given as an HTTP date.
func Classify(err error, now time.Time) Class {
	var he *HTTPError
	if errors.As(err, &he) {
		return classifyHTTP(he, now)
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return Class{Verdict: Retry, Kind: "bad_response", Status: de.Status}
	}
	return classifyTransport(err)
}

func classifyHTTP(he *HTTPError, now time.Time) Class {
	code, typ := "", ""
	if he.API != nil {
		code, typ = apiCode(he.API), he.API.Type
	}
	c := Class{Status: he.Status}
	switch {
	case he.Status == http.StatusTooManyRequests && (code == "insufficient_quota" || typ == "insufficient_quota"):
		c.Verdict, c.Kind = OutOfCredit, "insufficient_quota"
	case he.Status == http.StatusTooManyRequests && strings.EqualFold(he.Header.Get("x-should-retry"), "false"):
		// The server says waiting cannot help: a single request larger
		// than the whole per-minute token limit. The official SDKs obey
		// this header too.
		c.Verdict, c.Kind = RowError, "request_too_large"
	case he.Status == http.StatusTooManyRequests:
		c.Verdict, c.Kind = RateLimited, "rate_limit"
		c.Wait = waitHint(he, now)
	case he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden:
		c.Verdict, c.Kind = Fatal, "auth"
	case he.Status == http.StatusRequestTimeout:
		c.Verdict, c.Kind = Retry, "timeout"
	case he.Status == http.StatusConflict:
		c.Verdict, c.Kind = Retry, "conflict"
	case he.Status >= 500:
		c.Verdict, c.Kind = Retry, "server_error"
	case code == "context_length_exceeded":
		c.Verdict, c.Kind = RowError, code
	case code == "content_filter" || code == "content_policy_violation":
		c.Verdict, c.Kind = RowError, "content_filter"
	case he.Status == http.StatusNotFound:
		c.Verdict, c.Kind = RowError, "not_found"
		if code != "" {
			c.Kind = code
		}
	default:
		c.Verdict, c.Kind = RowError, "http_"+strconv.Itoa(he.Status)
	}
	return c
}

func classifyTransport(err error) Class {
	c := Class{Verdict: Retry, Kind: "connection"}
	var ne net.Error
	var dns *net.DNSError
	var op *net.OpError
	var cert x509.UnknownAuthorityError
	var host x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		c.Kind = "timeout"
	case errors.As(err, &dns), errors.As(err, &cert), errors.As(err, &host), errors.As(err, &recErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &op) && op.Op == "dial":
		// Never reached the server. Retryable once the run has seen a
		// success (a server restarting); before that it is a wrong URL,
		// and the run loop fails fast.
		c.Kind = "unreachable"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		c.Kind = "connection"
	}
	return c
}

var tryAgainRE = regexp.MustCompile(`(?i)try again in ([0-9.]+)\s*(ms|s)\b`)

// MaxWaitHint bounds the wait one answer may ask for. The official SDKs
// ignore a hint over a minute and fall back to their backoff; so do we: a
// misconfigured proxy's "Retry-After: 86400" must not put a nightly job to
// sleep for a day, and the stall timeout must still be able to end it.
const MaxWaitHint = 60 * time.Second

// waitHint reads how long the server asks us to wait, in the order the
// official SDKs trust: retry-after-ms, Retry-After (seconds or an HTTP
// date), the x-ratelimit-reset header of the exhausted limit, then the
// "Please try again in 1.982s." text of the message. A hint over
// MaxWaitHint is ignored (0: back off instead).
func waitHint(he *HTTPError, now time.Time) time.Duration {
	if d := rawWaitHint(he, now); d <= MaxWaitHint {
		return d
	}
	return 0
}

func rawWaitHint(he *HTTPError, now time.Time) time.Duration {
	h := he.Header
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	if d, ok := resetWait(h); ok {
		return d
	}
	if he.API != nil {
		if m := tryAgainRE.FindStringSubmatch(he.API.Message); m != nil {
			if f, err := strconv.ParseFloat(m[1], 64); err == nil {
				unit := time.Second
				if strings.EqualFold(m[2], "ms") {
					unit = time.Millisecond
				}
				return time.Duration(f * float64(unit))
			}
		}
	}
	return 0
}

// resetWait returns the reset time of whichever limit is exhausted.
func resetWait(h http.Header) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, kind := range []string{"requests", "tokens"} {
		rem := h.Get("x-ratelimit-remaining-" + kind)
		if rem == "" {
			continue
		}
		if n, err := strconv.ParseFloat(rem, 64); err != nil || n > 0 {
			continue
		}
		d, err := time.ParseDuration(h.Get("x-ratelimit-reset-" + kind))
		if err != nil {
			continue
		}
		if !found || d > best {
			best, found = d, true
		}
	}
	return best, found
}

// Backoff is the wait before retry number attempt (1 for the first retry):
// full jitter over an exponential ceiling, base·2^(attempt-1) capped at
// max. rnd is a uniform random number in [0, 1); passing it in keeps the
// policy a pure function that tests can table.
func Backoff(attempt int, base, max time.Duration, rnd float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	ceil := base
	for i := 1; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	if ceil > max {
		ceil = max
	}
	return time.Duration(rnd * float64(ceil))
}
