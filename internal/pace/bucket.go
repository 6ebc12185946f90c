package pace

import (
	"math"
	"time"
)

// bucket is a token bucket that paces reservations, like
// golang.org/x/time/rate's Limiter, with one difference that matters when
// the rate follows the server: a debt (reservations granted ahead of the
// tokens) is kept in time, not in tokens. When the rate is cut, the callers
// already given a time keep it and the next caller's wait is what it was,
// rather than the old debt repaid at the new, slower rate (a queue of
// reservations made at a high rate would otherwise stall every newcomer
// for many seconds after a cut, and the share would read that stall as
// "unused"). It is not safe for concurrent use: the Limiter's mutex
// guards it.
type bucket struct {
	rate   float64 // tokens per second; +Inf: unlimited
	burst  float64
	tokens float64 // may be negative: the debt of reservations granted ahead
	last   time.Time
}

// newUnlimited returns an unlimited bucket.
func newUnlimited() *bucket { return &bucket{rate: math.Inf(1), burst: 1} }

// newBucketAt returns a full bucket refilled at perSec, holding burst.
func newBucketAt(perSec float64, burst int, now time.Time) *bucket {
	return &bucket{rate: perSec, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *bucket) unlimited() bool { return math.IsInf(b.rate, 1) }

// advance refills the bucket up to now; a now before the last refill
// changes nothing.
func (b *bucket) advance(now time.Time) {
	if b.unlimited() {
		return
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(b.burst, b.tokens+dt*b.rate)
		b.last = now
	}
}

// tokensAt returns what the bucket holds at now (negative: in debt).
func (b *bucket) tokensAt(now time.Time) float64 {
	if b.unlimited() {
		return b.burst
	}
	b.advance(now)
	return b.tokens
}

// reserve takes n tokens at now and returns how long the caller must wait
// for them, and a function that hands them back if the caller gives up
// before then.
func (b *bucket) reserve(now time.Time, n float64) (time.Duration, func(time.Time)) {
	if b.unlimited() {
		return 0, func(time.Time) {}
	}
	b.advance(now)
	b.tokens -= n
	var wait time.Duration
	if b.tokens < 0 && b.rate > 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	due := now.Add(wait)
	cancel := func(at time.Time) {
		if at.Before(due) {
			b.advance(at)
			b.tokens = math.Min(b.burst, b.tokens+n)
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
	b.advance(now)
	if b.tokens < 0 {
		b.tokens *= perSec / b.rate
	}
	b.rate = perSec
}

// setBurst changes what the bucket holds at most.
func (b *bucket) setBurst(now time.Time, n float64) {
	b.advance(now)
	b.burst = n
	b.tokens = math.Min(b.tokens, n)
}

// drainTo takes whatever the bucket holds above remaining, so that we
// never send more at once than the server says is left.
func (b *bucket) drainTo(now time.Time, remaining float64) {
	if b.unlimited() {
		return
	}
	b.advance(now)
	b.tokens = math.Min(b.tokens, remaining)
}
