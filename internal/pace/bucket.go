package pace

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// bucket is a token bucket that paces reservations: golang.org/x/time/rate's
// Limiter, with one difference that matters when the rate follows the
// server: a debt (reservations granted ahead of the tokens) is kept in
// time, not in tokens. When the rate is cut, the callers already given a
// time keep it and the next caller's wait is what it was, rather than the
// old debt repaid at the new, slower rate (a queue of reservations made at
// a high rate would otherwise stall every newcomer for many seconds after
// a cut, and the share would read that stall as "unused"). rate.Limiter
// keeps debts in tokens, so a cut while in debt rebuilds it holding the
// debt rescaled. It is not safe for concurrent use: the Limiter's mutex
// guards it.
type bucket struct {
	lim    *rate.Limiter // in milli-tokens (see unit); nil: unlimited
	perSec float64
	burst  float64
}

// unit is how many of the rate.Limiter's tokens make one of ours:
// rate.Limiter reserves whole tokens, and syncing to the server's
// remaining header or rescaling a debt needs fractions (at a few requests
// per second, rounding to whole requests would move the pace visibly).
const unit = 1000

// newUnlimited returns an unlimited bucket.
func newUnlimited() *bucket { return &bucket{burst: 1} }

// newBucketAt returns a full bucket refilled at perSec, holding burst.
func newBucketAt(perSec float64, burst int, now time.Time) *bucket {
	b := &bucket{perSec: perSec, burst: float64(burst)}
	b.lim = holding(perSec, float64(burst), now, float64(burst))
	return b
}

// holding returns a rate.Limiter at perSec and burst holding tokens at
// now (negative: a debt), all in our tokens.
func holding(perSec, burst float64, now time.Time, tokens float64) *rate.Limiter {
	l := rate.NewLimiter(rate.Limit(perSec*unit), int(math.Ceil(burst*unit)))
	l.TokensAt(now) // a new Limiter starts full
	take(l, now, burst-tokens)
	return l
}

// take removes n of our tokens from l at now, in reservations no larger
// than its burst (rate.Limiter refuses larger ones; the balance may go
// negative).
func take(l *rate.Limiter, now time.Time, n float64) []*rate.Reservation {
	var rs []*rate.Reservation
	for left := int(math.Round(n * unit)); left > 0; {
		k := min(left, max(1, l.Burst()))
		rs = append(rs, l.ReserveN(now, k))
		left -= k
	}
	return rs
}

func (b *bucket) unlimited() bool { return b.lim == nil }

// tokensAt returns what the bucket holds at now (negative: in debt).
func (b *bucket) tokensAt(now time.Time) float64 {
	if b.unlimited() {
		return b.burst
	}
	return b.lim.TokensAt(now) / unit
}

// reserve takes n tokens at now and returns how long the caller must wait
// for them, and a function that hands them back if the caller gives up
// before then.
func (b *bucket) reserve(now time.Time, n float64) (time.Duration, func(time.Time)) {
	if b.unlimited() {
		return 0, func(time.Time) {}
	}
	var wait time.Duration
	for _, r := range take(b.lim, now, n) {
		wait = max(wait, r.DelayFrom(now))
	}
	due := now.Add(wait)
	// rate.Reservation.CancelAt refunds only what later reservations have
	// not built on; a caller giving up before its turn hands its tokens
	// back whole, as if it had never asked.
	cancel := func(at time.Time) {
		if at.Before(due) {
			b.lim = holding(b.perSec, b.burst, at, math.Min(b.burst, b.tokensAt(at)+n))
		}
	}
	return wait, cancel
}

// setRate changes the refill rate from now on; a debt keeps its length in
// time.
func (b *bucket) setRate(now time.Time, perSec float64) {
	if b.unlimited() || perSec <= 0 {
		return
	}
	if t := b.tokensAt(now); t < 0 {
		b.lim = holding(perSec, b.burst, now, t*perSec/b.perSec)
	} else {
		b.lim.SetLimitAt(now, rate.Limit(perSec*unit))
	}
	b.perSec = perSec
}

// setBurst changes what the bucket holds at most.
func (b *bucket) setBurst(now time.Time, n float64) {
	b.burst = n
	if b.unlimited() {
		return
	}
	t := b.tokensAt(now)
	b.lim.SetBurstAt(now, int(math.Ceil(n*unit)))
	if t > n {
		take(b.lim, now, t-n)
	}
}

// drainTo takes whatever the bucket holds above remaining, so that we
// never send more at once than the server says is left.
func (b *bucket) drainTo(now time.Time, remaining float64) {
	if b.unlimited() {
		return
	}
	if excess := b.tokensAt(now) - remaining; excess > 0 {
		take(b.lim, now, excess)
	}
}
