package pipeline

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are a model's rate limits, per minute. Zero means unknown.
type Limits struct {
	RPM, TPM float64
}

// Limiter paces requests to one model under its RPM and TPM limits. Both
// buckets are reserved at the same instant and the caller waits for the
// later of the two, so waiting for tokens never burns a request slot.
//
// Buckets hold one second's worth of the per-minute limit (at least one
// request, and at least the largest request seen for tokens): OpenAI may
// enforce a minute's limit over much shorter windows, so we pace evenly
// rather than bursting. A new limiter starts empty: no start-up burst.
// It is safe for concurrent use.
type Limiter struct {
	mu       sync.Mutex
	rpm, tpm *rate.Limiter
	limits   Limits
	headroom float64
	fixedRPM bool
	fixedTPM bool
	now      func() time.Time
}

// NewLimiter returns a limiter for the given limits. A zero limit is
// learned from the x-ratelimit-limit-* headers of responses (see Observe);
// until then that dimension is not limited. headroom (0.02 for 2 %) is kept
// unused below a learned limit.
func NewLimiter(l Limits, headroom float64, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	lim := &Limiter{
		rpm:      rate.NewLimiter(rate.Inf, 1),
		tpm:      rate.NewLimiter(rate.Inf, 1),
		headroom: headroom,
		now:      now,
		fixedRPM: l.RPM > 0,
		fixedTPM: l.TPM > 0,
	}
	lim.setLocked(l)
	return lim
}

// Limits returns the limits in force (zero where unknown).
func (l *Limiter) Limits() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

// setLocked applies limits; a dimension switched from unknown to known
// starts with an empty bucket.
func (l *Limiter) setLocked(n Limits) {
	now := l.now()
	apply := func(rl *rate.Limiter, old, perMin float64, minBurst int) {
		if perMin <= 0 || perMin == old {
			return
		}
		perSec := perMin / 60 // floats: an integer division truncates 50/60 to 0
		burst := int(math.Max(float64(minBurst), math.Ceil(perSec)))
		rl.SetLimitAt(now, rate.Limit(perSec))
		rl.SetBurstAt(now, burst)
		if old <= 0 {
			rl.AllowN(now, rl.Burst()) // drain: no start-up burst
		}
	}
	apply(l.rpm, l.limits.RPM, n.RPM, 1)
	apply(l.tpm, l.limits.TPM, n.TPM, 1)
	if n.RPM > 0 {
		l.limits.RPM = n.RPM
	}
	if n.TPM > 0 {
		l.limits.TPM = n.TPM
	}
}

// ErrTooLarge is returned by Wait for a request whose token charge exceeds
// the whole per-minute token limit: it could never be sent.
type ErrTooLarge struct{ Tokens, TPM int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("request needs %d tokens but the token limit is %d per minute: it can never be sent (lower --max-tokens or shorten the prompt)", e.Tokens, e.TPM)
}

// Wait blocks until a request charged tokens may be sent, or ctx ends.
func (l *Limiter) Wait(ctx context.Context, tokens int64) error {
	l.mu.Lock()
	if l.limits.TPM > 0 && float64(tokens) > l.limits.TPM {
		tpm := int64(l.limits.TPM)
		l.mu.Unlock()
		return &ErrTooLarge{Tokens: tokens, TPM: tpm}
	}
	if int(tokens) > l.tpm.Burst() && l.tpm.Limit() != rate.Inf {
		// The bucket must hold the largest request, or ReserveN fails.
		l.tpm.SetBurstAt(l.now(), int(tokens))
	}
	now := l.now()
	r1 := l.rpm.ReserveN(now, 1)
	r2 := l.tpm.ReserveN(now, int(tokens))
	l.mu.Unlock()
	delay := max(r1.DelayFrom(now), r2.DelayFrom(now))
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		now := l.now()
		r1.CancelAt(now)
		r2.CancelAt(now)
		return ctx.Err()
	}
}

// Observe learns limits from a response's x-ratelimit-limit-* headers, for
// each dimension not fixed by the user, less the headroom.
func (l *Limiter) Observe(h http.Header) {
	rpm := headerFloat(h, "x-ratelimit-limit-requests")
	tpm := headerFloat(h, "x-ratelimit-limit-tokens")
	if rpm <= 0 && tpm <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := Limits{}
	if !l.fixedRPM && rpm > 0 {
		n.RPM = rpm * (1 - l.headroom)
	}
	if !l.fixedTPM && tpm > 0 {
		n.TPM = tpm * (1 - l.headroom)
	}
	l.setLocked(n)
}

func headerFloat(h http.Header, name string) float64 {
	v := h.Get(name)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0
	}
	return f
}
