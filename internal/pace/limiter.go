package pace

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/batchprompt/batchprompt/internal/clock"
)

// Limits are a model's rate limits, per minute. Zero means unknown.
type Limits struct {
	RPM float64 `json:"rpm"`
	TPM float64 `json:"tpm"`
}

// probeTimeout is how long the limiter waits for the first response while
// it is learning the limits before it lets another probe request go. It is
// only a safety net: the caller ends a probe early with Observe.
const probeTimeout = 10 * time.Second

// headerlessProbes is how many answers without x-ratelimit-limit-* headers
// end the learning phase: such a server (a local model server, say) has no
// limits to learn, and sending one request at a time would be wasteful.
const headerlessProbes = 3

// burstWindow is how much of a limit the buckets hold: a quarter of a
// second keeps the sends even at any limit while leaving a queue of
// callers enough slack to use every token.
const burstWindow = 0.25

// Rate cuts on 429: each cuts the rate to throttleCut of what it was, no
// more often than throttleSpacing (one overload answers many requests at
// once), never below throttleFloor of the limit; the cut is undone
// linearly at throttleRecovery of the limit per second.
const (
	throttleCut      = 0.9
	throttleSpacing  = 2 * time.Second
	throttleFloor    = 0.25
	throttleRecovery = 0.0025
)

// Limiter paces requests to one model under its RPM and TPM limits. Both
// buckets are reserved at the same instant and the caller waits for the
// later of the two, so waiting for tokens never burns a request slot.
//
// Buckets hold burstWindow's worth of the per-minute limit (at least one
// request, and at least the largest request seen for tokens): OpenAI may
// enforce a minute's limit over much shorter windows, so we pace evenly
// rather than bursting.
//
// A 429 (any answer carrying Retry-After) empties both buckets, so that the
// end of the global pause is not followed by a burst, and cuts the rate by
// a tenth (at most once per throttleSpacing), recovering linearly over
// throttleRecovery: if the server keeps refusing at the learned limit,
// something else is using it too (another process on the same key, or a
// server that counts tokens differently) and we settle below it.
//
// A limit that is neither given nor yet learned is learned from the first
// response: until one arrives only one request (the probe) is let through,
// so a run never opens with a burst of --concurrency requests. The bucket
// of a newly learned limit is seeded from the response's remaining header,
// and every later response re-syncs it (see Observe). It is safe for
// concurrent use.
type Limiter struct {
	mu       sync.Mutex
	rpm, tpm *rate.Limiter
	limits   Limits
	headroom float64
	fixedRPM bool
	fixedTPM bool
	clk      clock.Clock

	learning   bool          // some limit is unknown and no answer has told us yet
	probing    bool          // a probe request is out
	probeStart time.Time     // when it was let through
	headerless int           // answers without limit headers while learning
	changed    chan struct{} // closed and replaced when learning state changes

	avgCharge float64   // moving average of a request's token charge
	resetAt   time.Time // the later of the last reset-requests/-tokens instants

	scale    float64   // share of the limits in use after 429s; 1 = all
	cutScale float64   // scale right after the last cut
	lastCut  time.Time // when the rate was last cut
}

// NewLimiter returns a limiter for the given limits. A zero limit is
// learned from the x-ratelimit-limit-* headers of responses (see Observe);
// until the first response only one request at a time is let through.
// headroom (0.02 for 2 %) is kept unused below a learned limit.
func NewLimiter(l Limits, headroom float64, clk clock.Clock) *Limiter {
	lim := &Limiter{
		rpm:      rate.NewLimiter(rate.Inf, 1),
		tpm:      rate.NewLimiter(rate.Inf, 1),
		headroom: headroom,
		clk:      clock.Or(clk),
		fixedRPM: l.RPM > 0,
		fixedTPM: l.TPM > 0,
		changed:  make(chan struct{}),
		scale:    1,
	}
	lim.learning = !lim.fixedRPM || !lim.fixedTPM
	lim.setLocked(l, Limits{-1, -1})
	return lim
}

// Limits returns the limits in force (zero where unknown).
func (l *Limiter) Limits() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

// RequestRate returns the requests per second the limits allow at the
// average token charge seen so far; +Inf while no limit is known. It is
// what a concurrency Gate needs for Little's law.
func (l *Limiter) RequestRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := math.Inf(1)
	if l.limits.RPM > 0 {
		r = l.limits.RPM / 60
	}
	if l.limits.TPM > 0 && l.avgCharge > 0 {
		r = math.Min(r, l.limits.TPM/60/l.avgCharge)
	}
	return r * l.scale
}

// ResetAt returns when the server last said its limits would be whole
// again (the later of x-ratelimit-reset-requests and -tokens), or the zero
// time if no response has said.
func (l *Limiter) ResetAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.resetAt
}

// setLocked applies limits. A dimension switched from unknown to known gets
// a fresh bucket holding seed (a negative seed means empty).
func (l *Limiter) setLocked(n, seed Limits) {
	now := l.clk.Now()
	apply := func(rl **rate.Limiter, old, perMin, seed float64) {
		if perMin <= 0 || perMin == old {
			return
		}
		perSec := perMin / 60 * l.scale // floats: an integer division truncates 50/60 to 0
		burst := int(math.Max(1, math.Ceil(perMin/60*burstWindow)))
		if old > 0 {
			// SetLimit/SetBurst keep the level and any reservations.
			(*rl).SetLimitAt(now, rate.Limit(perSec))
			(*rl).SetBurstAt(now, max(burst, (*rl).Burst()))
			return
		}
		// Replace the unlimited bucket: it holds no reservation worth
		// keeping. A new rate.Limiter starts full; take away what the
		// server does not grant.
		nl := rate.NewLimiter(rate.Limit(perSec), burst)
		if take := burst - int(math.Max(0, math.Min(float64(burst), seed))); take > 0 {
			nl.ReserveN(now, take)
		}
		*rl = nl
	}
	apply(&l.rpm, l.limits.RPM, n.RPM, seed.RPM)
	apply(&l.tpm, l.limits.TPM, n.TPM, seed.TPM)
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
// While limits are being learned it lets one request through at a time.
//
// A caller woken much later than its turn (more than lateAfter: the
// process was starved of CPU, or suspended) queues once more instead of
// sending at once: otherwise every caller delayed by the same stall would
// send together, a burst the server's short window may refuse.
func (l *Limiter) Wait(ctx context.Context, tokens int64) error {
	requeued := false
	for {
		delay, cancel, hold, err := l.admit(tokens)
		if err != nil {
			return err
		}
		if hold != nil {
			if err := clock.Wait(ctx, l.clk, hold.changed, hold.timeout); err != nil {
				return err
			}
			continue
		}
		if delay <= 0 {
			return nil
		}
		due := l.clk.Now().Add(delay)
		if err := clock.Wait(ctx, l.clk, nil, delay); err != nil {
			cancel()
			return err
		}
		if requeued || !late(due, l.clk.Now()) {
			return nil
		}
		requeued = true
	}
}

// lateAfter is how late a caller may wake and still send. Callers late by
// less make a burst of at most a second's worth after a stall, which the
// server (whose bucket refilled during our stall, and which OpenAI says may
// enforce a minute's limit per second) grants; later ones queue again.
const lateAfter = time.Second

// late reports whether a caller due at due and woken at now missed its turn
// by more than lateAfter.
func late(due, now time.Time) bool {
	return now.Sub(due) > lateAfter
}

// hold tells a caller to wait for the learning state to change.
type hold struct {
	changed <-chan struct{}
	timeout time.Duration
}

// admit is reserve, preceded by the learning gate: while a probe is out,
// callers are told to hold until it answers or probeTimeout passes.
func (l *Limiter) admit(tokens int64) (time.Duration, func(), *hold, error) {
	l.mu.Lock()
	if l.learning {
		now := l.clk.Now()
		if l.probing {
			if left := l.probeStart.Add(probeTimeout).Sub(now); left > 0 {
				h := &hold{changed: l.changed, timeout: left}
				l.mu.Unlock()
				return 0, nil, h, nil
			}
		}
		l.probing, l.probeStart = true, now
	}
	l.mu.Unlock()
	d, cancel, err := l.reserve(tokens)
	return d, cancel, nil, err
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
	if l.avgCharge == 0 {
		l.avgCharge = float64(tokens)
	} else {
		l.avgCharge += (float64(tokens) - l.avgCharge) / 64
	}
	now := l.clk.Now()
	l.recoverLocked(now)
	if l.tpm.Limit() != rate.Inf && int(tokens) > l.tpm.Burst() {
		// The bucket must hold the largest request, or ReserveN fails.
		l.tpm.SetBurstAt(now, int(tokens))
	}
	r1 := l.rpm.ReserveN(now, 1)
	r2 := l.tpm.ReserveN(now, int(tokens))
	cancel := func() {
		t := l.clk.Now()
		r1.CancelAt(t)
		r2.CancelAt(t)
	}
	return max(r1.DelayFrom(now), r2.DelayFrom(now)), cancel, nil
}
