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
			// Drain: no start-up burst. (AllowN(burst) would not do it: it
			// takes nothing when the bucket holds less than burst.)
			if tok := rl.TokensAt(now); tok >= 1 {
				rl.ReserveN(now, int(tok))
			}
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
	delay, cancel, err := l.reserve(tokens)
	if err != nil {
		return err
	}
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	}
}

// reserve takes one request and tokens from the buckets at the same
// instant and returns how long the caller must wait before sending, and a
// function that hands both back if the caller gives up before then.
func (l *Limiter) reserve(tokens int64) (time.Duration, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits.TPM > 0 && float64(tokens) > l.limits.TPM {
		return 0, nil, &ErrTooLarge{Tokens: tokens, TPM: int64(l.limits.TPM)}
	}
	now := l.now()
	if l.tpm.Limit() != rate.Inf && int(tokens) > l.tpm.Burst() {
		// The bucket must hold the largest request, or ReserveN fails.
		l.tpm.SetBurstAt(now, int(tokens))
	}
	r1 := l.rpm.ReserveN(now, 1)
	r2 := l.tpm.ReserveN(now, int(tokens))
	cancel := func() {
		t := l.now()
		r1.CancelAt(t)
		r2.CancelAt(t)
	}
	return max(r1.DelayFrom(now), r2.DelayFrom(now)), cancel, nil
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
