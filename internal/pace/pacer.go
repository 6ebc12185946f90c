// Package pace decides when a request to one model may be sent: its RPM
// and TPM limits (given, or learned from the server's headers), the number
// of requests in flight (the Gate), the pause after a 429, and whether the
// model has stalled (every request failing for too long). Everything it
// knows is per model, since OpenAI's limits are; the caller keeps one
// Pacer per model. It knows nothing of rows, files or HTTP bodies.
package pace

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// Config is how one model is paced.
type Config struct {
	Limits      Limits  // zero dimensions are learned from the headers
	Headroom    float64 // share of a learned limit left unused
	Concurrency int     // most requests in flight
}

// Pacer paces the requests to one model. It is safe for concurrent use.
type Pacer struct {
	Model   string
	limiter *Limiter
	gate    *Gate
	clk     clock.Clock

	mu       sync.Mutex
	pausedTo time.Time // no request may start before this (a 429's wait)
	failing  time.Time // since when every request has failed; zero after a success
}

// New returns a pacer for model. clk may be nil for the real clock.
func New(model string, cfg Config, clk clock.Clock) *Pacer {
	clk = clock.Or(clk)
	return &Pacer{
		Model:   model,
		limiter: NewLimiter(cfg.Limits, cfg.Headroom, clk),
		gate:    NewGate(cfg.Concurrency, clk),
		clk:     clk,
	}
}

// Admit blocks until a request charged tokens may be sent: a pause after a
// 429 has ended, a place in flight is free, and the limits allow it. It
// returns a *ErrTooLarge for a request larger than the whole per-minute
// token limit, and ctx.Err() when ctx ends first. On success the caller
// must hand the permit back through Done, whatever becomes of the request.
//
// The gate is taken before the limiter so that the limiter's queue of
// reservations stays short: a lower learned limit, a drained bucket or a
// pause then takes effect within about one latency.
func (p *Pacer) Admit(ctx context.Context, tokens int64) (*Permit, error) {
	if err := p.waitPause(ctx); err != nil {
		return nil, err
	}
	permit, err := p.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	sent, err := p.limiter.waitSent(ctx, tokens)
	if err != nil {
		permit.Release()
		return nil, err
	}
	permit.sent, permit.tokens = sent, tokens
	return permit, nil
}

// Done ends a request admitted by Admit: it frees the place in flight and
// learns from the answer. h is the answer's headers whatever its status, or
// nil when no answer arrived (a reset connection, a timeout): a request
// with no answer still ends the limiter's one-at-a-time learning step. ok
// says the request was answered successfully; a failure starts (or
// continues) the time Stalled measures.
func (p *Pacer) Done(permit *Permit, latency time.Duration, h http.Header, ok bool) {
	// Release before anything else: a row about to back off holds no slot.
	permit.Release()
	p.gate.Observe(latency, p.limiter.RequestRate())
	p.limiter.ObserveRequest(h, permit.sent, permit.tokens, ok)
	p.mu.Lock()
	switch {
	case ok:
		p.failing = time.Time{}
	case p.failing.IsZero():
		p.failing = p.clk.Now()
	}
	p.mu.Unlock()
}

// Cancel gives back a permit whose request was never sent (the run is
// stopping, or the budget refused it). It counts as neither success nor
// failure.
func (p *Pacer) Cancel(permit *Permit) {
	permit.Release()
	p.limiter.Observe(nil) // a held probe must not keep the others waiting
}

// Pause makes every request to the model wait d from now before it is
// sent: a 429 means the limit is spent, so one request's wait is everyone's.
func (p *Pacer) Pause(d time.Duration) {
	until := p.clk.Now().Add(d)
	p.mu.Lock()
	if until.After(p.pausedTo) {
		p.pausedTo = until
	}
	p.mu.Unlock()
}

// PausedFor returns how long the current pause has left (0: none).
func (p *Pacer) PausedFor() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(0, p.pausedTo.Sub(p.clk.Now()))
}

func (p *Pacer) waitPause(ctx context.Context) error {
	for {
		d := p.PausedFor()
		if d <= 0 {
			return ctx.Err()
		}
		if !clock.Sleep(ctx, p.clk, d) {
			return ctx.Err()
		}
	}
}

// Stalled returns a *StallError when every request to the model has
// failed, without one success, for longer than timeout: during an outage
// or a long rate-limit, rows should stay pending for a later run rather
// than burn their attempts. An idle model is never stalled.
func (p *Pacer) Stalled(timeout time.Duration) error {
	p.mu.Lock()
	since := p.failing
	p.mu.Unlock()
	if since.IsZero() || p.clk.Now().Sub(since) <= timeout {
		return nil
	}
	return &StallError{Model: p.Model, Timeout: timeout, Reset: p.limiter.ResetAt()}
}

// Limits returns the limits in force (zero where unknown).
func (p *Pacer) Limits() Limits { return p.limiter.Limits() }

// Estimates returns what the pacer has inferred about the server's charge
// and others' use of the key (see Estimates).
func (p *Pacer) Estimates() Estimates { return p.limiter.Estimates() }

// StallError says that every request to a model failed for too long.
type StallError struct {
	Model   string
	Timeout time.Duration
	Reset   time.Time // when the server said its limits are whole again; zero if unknown
}

func (e *StallError) Error() string {
	msg := "every request to " + e.Model + " has failed for " + e.Timeout.String() + " (rate limits or an outage)"
	if !e.Reset.IsZero() {
		msg += "; the server's limits reset at " + e.Reset.Format(time.RFC3339)
	}
	return msg + "; rerun the same command later to resume"
}
